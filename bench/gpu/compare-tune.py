#!/usr/bin/env python3
"""Per (layer, batch) of an autotuner run (vptq-gpu-check JSON of the
tune bundle): the fastest correct register-fragment tensor-core kernel
(#vptq.tiling mma), the fastest shared-weight one (shared_weights) and torch
fp16 F.linear from a torch_linear.py JSON.

  python3 bench/gpu/compare-tune.py TUNE.json[.gz] TORCH.json
"""
import collections
import gzip
import json
import sys


def load(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        return json.load(f)


def describe(run):
    t = run["tiling"]
    kind = " sw" if t.get("shared_weights") else (" mma" if t["mma"] else "")
    return (f"{t['block_rows']}x{t['warps_per_row']}x{t['batch_tile']}x"
            f"{t['k_chunk']}{kind} r{run['registers']}")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    runs = load(sys.argv[1])["results"]
    torch = {(e["out_features"], e["in_features"], e["batch"]): e["median_us"]
             for e in load(sys.argv[2])["results"]}
    groups = collections.defaultdict(list)
    for r in runs:
        groups[(r["config"], r["out_features"], r["in_features"],
                r["batch"])].append(r)
    print("| layer | batch | torch fp16 (us) | best mma (us) | tiling | "
          "best shared weights (us) | tiling | torch / shared |")
    print("|---|---|---|---|---|---|---|---|")
    for key in sorted(groups):
        config, out_f, in_f, batch = key
        ok = [r for r in groups[key] if r["correct"]]
        regs = [r for r in ok if r["tiling"]["mma"]
                and not r["tiling"].get("shared_weights")]
        shared = [r for r in ok if r["tiling"].get("shared_weights")]
        if not regs or not shared:
            continue
        reg = min(regs, key=lambda r: r["median_us"])
        sw = min(shared, key=lambda r: r["median_us"])
        fp16 = torch.get((out_f, in_f, batch), float("nan"))
        print(f"| {config} {out_f}x{in_f} | {batch} | {fp16:.1f} | "
              f"{reg['median_us']:.1f} | {describe(reg)} | "
              f"{sw['median_us']:.1f} | {describe(sw)} | "
              f"{fp16 / sw['median_us']:.2f}x |")


if __name__ == "__main__":
    main()
