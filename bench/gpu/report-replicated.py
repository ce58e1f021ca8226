#!/usr/bin/env python3
"""Replicated vs single-copy shared codebooks, from run-replicated.sh's
files in DIR: rep-on.json (default placement: 256-entry codebooks
replicated), rep-off-res.json (the residual as one copy),
rep-off-both.json (both codebooks of v8-k256-k256 as one copy) and
torch-rep.json (torch fp16 F.linear). Prints a markdown table per
configuration: microseconds per (layer, batch), the gain of replication
and the speedup over fp16, and how many runs matched the reference.

  report-replicated.py DIR
"""
import json
import os
import sys


def load(path):
    if not os.path.exists(path):
        return []
    return json.load(open(path))["results"]


def main():
    d = sys.argv[1]
    runs = {name: load(os.path.join(d, f"{name}.json"))
            for name in ("rep-on", "rep-off-res", "rep-off-both")}
    torch = {(r["out_features"], r["in_features"], r["batch"]): r["median_us"]
             for r in load(os.path.join(d, "torch-rep.json"))}
    total = sum(len(v) for v in runs.values())
    bad = sum(1 for v in runs.values() for r in v if not r["correct"])
    print(f"{total - bad} of {total} runs match the reference on every output element.\n")
    times = {}
    for name, results in runs.items():
        for r in results:
            # Bundles with explicit placements are decided kernels, which
            # vptq-gpu-check runs at every batch: keep the kernel the
            # runtime runs at this batch (plain below 4 rows, batch_hint 16
            # below 32, 64 below 128, 256 from there).
            b = r["batch"]
            if r["batch_hint"] != (0 if b < 4 else 16 if b < 32 else
                                   64 if b < 128 else 256):
                continue
            key = (r["config"], r["out_features"], r["in_features"], b)
            times.setdefault(key, {})[name] = r["median_us"]
    for config in sorted({k[0] for k in times}):
        print(f"## {config}\n")
        print("| out x in | batch | replicated (us) | residual one copy (us) | both one copy (us) "
              "| gain | torch fp16 (us) | speedup vs fp16 |")
        print("|---|---|---|---|---|---|---|---|")
        for key in sorted(k for k in times if k[0] == config):
            _, out, inp, batch = key
            t = times[key]
            on = t.get("rep-on")
            offs = [t[n] for n in ("rep-off-both", "rep-off-res") if n in t]
            best_off = min(offs) if offs else None
            tt = torch.get((out, inp, batch))
            fmt = lambda v: f"{v:.1f}" if v is not None else "-"
            gain = f"{best_off / on:.2f}x" if on and best_off else "-"
            speed = f"{tt / on:.2f}x" if on and tt else "-"
            print(f"| {out}x{inp} | {batch} | {fmt(on)} | {fmt(t.get('rep-off-res'))} | "
                  f"{fmt(t.get('rep-off-both'))} | {gain} | {fmt(tt)} | {speed} |")
        print()


if __name__ == "__main__":
    main()
