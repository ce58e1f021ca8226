#!/usr/bin/env python3
"""Tables and plot of the speed harness (bench/gpu/run-speed.sh).

Reads vptq-gpu-check JSON of our kernels, torch_linear.py JSON and the floor
probe's JSON from the same device run, and writes a markdown report: per
(configuration, shape, batch) our time, the bytes our kernel reads per
second, torch fp16's time, the speedup, the floor and the fraction of the
floor reached; then the issue's targets, met or missed. Optionally a PNG of
speedup vs batch per configuration (matplotlib), and the tuned times of
vptq-tune's candidates next to the heuristic ones.

The floor of one layer call is floors.linear_floor_us (see floors.py).
"""
import argparse
import gzip
import json
import math
import re

import floors
from collections import defaultdict

CONFIG_ORDER = ["v8-k65536", "v8-k4096", "v8-k65536-k256", "v16-k65536-k65536",
                "v8-k256-k256", "v12-k4096-k4096"]
CONFIG_BITS = {"v8-k65536": "2 bit", "v8-k4096": "1.5 bit", "v8-k65536-k256": "3 bit",
               "v16-k65536-k65536": "2 bit", "v8-k256-k256": "2 bit",
               "v12-k4096-k4096": "2 bit"}
SHARED_CONFIGS = {"v8-k4096", "v8-k256-k256"}


def load(path):
    """JSON, gzipped when the name ends in .gz."""
    with (gzip.open(path, "rt") if path.endswith(".gz") else open(path)) as f:
        return json.load(f)


def parse_key(key):
    m = re.search(r"-v(\d+)-k(\d+)-kr(\d+)-.*-ib(\d+)-rb(\d+)", key)
    v, k, kr, ib, rb = (int(x) for x in m.groups())
    return v, k, kr, ib, rb


def floor_us(r, floor, peak_tflops):
    v, k, kr, ib, rb = parse_key(r["spec_key"])
    return floors.linear_floor_us(floor, peak_tflops, r["out_features"], r["in_features"],
                                  r["batch"], v, k, kr, ib + rb)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--speed", required=True)
    p.add_argument("--torch", required=True)
    p.add_argument("--floor", required=True)
    p.add_argument("--tuned", help="vptq-gpu-check JSON of vptq-tune's candidates")
    p.add_argument("--plot", help="PNG of speedup vs batch")
    args = p.parse_args()
    speed = load(args.speed)
    torch_r = load(args.torch)
    floor = load(args.floor)
    peak = torch_r["gemm_peak_tflops"]
    fp16 = {(r["out_features"], r["in_features"], r["batch"]): r["median_us"]
            for r in torch_r["results"]}
    rows = []
    for r in speed["results"]:
        f, idx, gat, comp = floor_us(r, floor, peak)
        t = fp16[(r["out_features"], r["in_features"], r["batch"])]
        rows.append(dict(config=r["config"], out=r["out_features"], inp=r["in_features"],
                         batch=r["batch"], us=r["median_us"], fp16=t, floor=f,
                         index_us=idx, gather_us=gat, compute_us=comp,
                         gbps=r["weight_bytes"] / r["median_us"] / 1e3,
                         correct=r["correct"], checked=r["checked"],
                         tiling=r["tiling"], placement=r["placement"]["centroids"],
                         hint=r.get("batch_hint", 0)))
    order = {c: i for i, c in enumerate(CONFIG_ORDER)}
    rows.sort(key=lambda x: (order.get(x["config"], 99), x["out"] * x["inp"], x["out"], x["batch"]))
    total = len(rows)
    bad = sum(not r["correct"] for r in rows)
    print(f"Device: {speed['device']}; torch {torch_r['torch']}; HBM read "
          f"{floor['hbm_read_gbps']:.0f} GB/s; fp16 matmul peak {peak:.0f} TFLOPS "
          f"(all measured in this run).\n")
    print(f"{total - bad} of {total} (layer, batch) runs match the reference on every "
          f"output element.\n")

    # Targets.
    def pick(pred):
        return [r for r in rows if pred(r)]
    big = lambda r: r["out"] * r["inp"] >= 11008 * 4096

    def miss_note(sel, need):
        """Splits the misses of a speedup target by the floor: where the
        target's time (fp16 / need) is below the layer's measured floor, no
        kernel that gathers every codebook vector once per call at the
        measured rates can meet it."""
        missed = [r for r in sel if r["fp16"] / r["us"] < need]
        if not missed:
            return ""
        below = [r for r in missed if r["fp16"] / need < r["floor"]]
        above = [r for r in missed if r["fp16"] / need >= r["floor"]]
        note = (f" Of the {len(missed)} misses, {len(below)} ask for less than the "
                f"measured floor")
        if below:
            need_floor = sorted(r["fp16"] / need / r["floor"] for r in below)
            note += f" (target time {need_floor[0]:.2f}-{need_floor[-1]:.2f}x the floor)"
        if above:
            by = defaultdict(list)
            for r in above:
                by[r["config"]].append(r["us"] / (r["fp16"] / need))
            note += ("; the others miss by " + ", ".join(
                f"{c} {min(v):.2f}-{max(v):.2f}x ({len(v)})"
                for c, v in sorted(by.items(), key=lambda kv: order.get(kv[0], 99))))
        return note + "."
    lines = []
    b1 = pick(lambda r: r["batch"] == 1)
    within = [r for r in b1 if r["us"] <= 1.25 * r["floor"]]
    if b1:
        lines.append(f"- Batch 1 within 1.25x of the floor: {len(within)} of {len(b1)} "
                     f"(median ratio {sorted(r['us'] / r['floor'] for r in b1)[len(b1) // 2]:.2f}x, "
                     f"worst {max(r['us'] / r['floor'] for r in b1):.2f}x).")
    else:
        lines.append("- Batch 1: not measured in this run.")
    for configs, need, what in [(SHARED_CONFIGS, 3.5, "shared-memory codebooks (v8-k4096, v8-k256-k256)"),
                                ({"v8-k65536"}, 1.5, "v8-k65536")]:
        sel = pick(lambda r: r["batch"] == 1 and big(r) and r["config"] in configs)
        if not sel:
            continue
        ok = [r for r in sel if r["fp16"] / r["us"] >= need]
        sp = sorted(r["fp16"] / r["us"] for r in sel)
        lines.append(f"- Batch 1 vs fp16, layers >= 11008x4096, {what}: target >= {need}x; "
                     f"met on {len(ok)} of {len(sel)} (speedups {sp[0]:.2f}x to {sp[-1]:.2f}x)."
                     + miss_note(sel, need))
    for configs, need, what in [(SHARED_CONFIGS, 2.5, "shared-memory codebooks"),
                                ({"v8-k65536"}, 1.5, "v8-k65536")]:
        sel = pick(lambda r: r["batch"] == 16 and r["config"] in configs)
        if not sel:
            lines.append(f"- Batch 16 vs fp16, {what}: not measured in this run.")
            continue
        ok = [r for r in sel if r["fp16"] / r["us"] >= need]
        sp = sorted(r["fp16"] / r["us"] for r in sel)
        lines.append(f"- Batch 16 vs fp16, {what}: target >= {need}x; met on {len(ok)} of "
                     f"{len(sel)} (speedups {sp[0]:.2f}x to {sp[-1]:.2f}x)." + miss_note(sel, need))
    big_batches = sorted({r["batch"] for r in rows if r["batch"] >= 64})
    for batch in big_batches:
        sel = pick(lambda r: r["batch"] == batch)
        ok = [r for r in sel if r["fp16"] / r["us"] >= 1.0]
        sp = sorted(r["fp16"] / r["us"] for r in sel)
        lines.append(f"- Batch {batch} (>= 64) no slower than fp16: met on {len(ok)} of "
                     f"{len(sel)} (speedups {sp[0]:.3f}x to {sp[-1]:.2f}x, median "
                     f"{sp[len(sp) // 2]:.2f}x)." + miss_note(sel, 1.0))
    if not big_batches:
        lines.append("- Batch >= 64 vs fp16: not measured in this run.")
    print("## Targets (heuristic kernels, as the runtime compiles them today)\n")
    print("\n".join(lines) + "\n")

    # Batch-1 summary.
    print("## Batch 1\n")
    print("| configuration | out x in | ours (us) | GB/s read | torch fp16 (us) | speedup | "
          "floor (us): index / gather | fraction of floor |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        if r["batch"] != 1:
            continue
        print(f"| {r['config']} ({CONFIG_BITS.get(r['config'], '')}) | {r['out']}x{r['inp']} | "
              f"{r['us']:.1f} | {r['gbps']:.0f} | {r['fp16']:.1f} | {r['fp16'] / r['us']:.2f}x | "
              f"{r['floor']:.1f}: {r['index_us']:.1f} / {r['gather_us']:.1f} | "
              f"{r['floor'] / r['us']:.2f} |")
    print()

    # Tuned vs heuristic.
    if args.tuned:
        tuned = load(args.tuned)
        groups = defaultdict(list)
        for r in tuned["results"]:
            if r["correct"]:
                groups[(r["tuning_key"], r["batch"])].append(r)
        print("## Autotuned vs heuristic (vptq-tune, same run)\n")
        print("| configuration | out x in | batch | heuristic (us) | tuned (us) | gain | "
              "tuned vs fp16 | tuned fraction of floor | tuned tiling (rows, warps, batch tile, k chunk, placement) |")
        print("|---|---|---|---|---|---|---|---|---|")
        out = []
        for (key, batch), rs in groups.items():
            h = next((r for r in rs if not r["decided"]), None)
            best = min(rs, key=lambda r: r["median_us"])
            f = floor_us(best, floor, peak)[0]
            t = fp16[(best["out_features"], best["in_features"], batch)]
            tl = best["tiling"]
            out.append((order.get(best["config"], 99), best["out_features"], batch,
                        f"| {best['config']} | {best['out_features']}x{best['in_features']} | {batch} | "
                        f"{h['median_us']:.1f} | {best['median_us']:.1f} | "
                        f"{h['median_us'] / best['median_us']:.2f}x | {t / best['median_us']:.2f}x | "
                        f"{f / best['median_us']:.2f} | {tl['block_rows']}, {tl['warps_per_row']}, "
                        f"{tl['batch_tile']}, {tl['k_chunk']}, {best['placement']['centroids']} |"))
        for o in sorted(out):
            print(o[3])
        print()

    print("## Every run\n")
    print("| configuration | out x in | batch | ours (us) | GB/s read | torch fp16 (us) | "
          "speedup | floor (us) | fraction of floor | tiling (rows, warps, batch tile, k chunk) | "
          "codebook | kernel |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        tl = r["tiling"]
        print(f"| {r['config']} | {r['out']}x{r['inp']} | {r['batch']} | {r['us']:.1f} | "
              f"{r['gbps']:.0f} | {r['fp16']:.1f} | {r['fp16'] / r['us']:.2f}x | {r['floor']:.1f} | "
              f"{r['floor'] / r['us']:.2f} | {tl['block_rows']}, {tl['warps_per_row']}, "
              f"{tl['batch_tile']}, {tl['k_chunk']} | {r['placement']} | "
              f"{'prompt (batch_hint ' + str(r['hint']) + ')' if r['hint'] else 'plain'} |")

    if args.plot:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        configs = [c for c in CONFIG_ORDER if any(r["config"] == c for r in rows)]
        fig, axes = plt.subplots(2, 3, figsize=(15, 8.5), sharey=True)
        for ax, c in zip(axes.flat, configs):
            shapes = sorted({(r["out"], r["inp"]) for r in rows if r["config"] == c},
                            key=lambda s: s[0] * s[1])
            for s in shapes:
                pts = sorted((r["batch"], r["fp16"] / r["us"]) for r in rows
                             if r["config"] == c and (r["out"], r["inp"]) == s)
                ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=f"{s[0]}x{s[1]}")
            ax.axhline(1.0, color="black", linewidth=0.8)
            ax.set_xscale("log", base=2)
            ax.set_yscale("log")
            ax.set_title(f"{c} ({CONFIG_BITS.get(c, '')})")
            ax.set_xlabel("batch")
            ax.grid(True, which="both", alpha=0.3)
        axes[0][0].set_ylabel("speedup vs torch fp16 F.linear")
        axes[1][0].set_ylabel("speedup vs torch fp16 F.linear")
        axes[0][0].legend(fontsize=7, title="out x in")
        fig.suptitle(f"vptq-mlir kernels (heuristic decisions) vs torch fp16, {speed['device']}")
        fig.tight_layout()
        fig.savefig(args.plot, dpi=110)


if __name__ == "__main__":
    main()
