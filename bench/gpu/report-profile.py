#!/usr/bin/env python3
"""Where one decode step's (or the prompt's) time goes, from run-profile.sh's
or run-prefill-profile.sh's Nsight Compute CSV (gpu__time_duration of every
kernel of a few forward passes).

Each forward pass starts with the embedding gather (vptq_gather_rows); the
last complete pass after the prompt's is one decode step, the first the
prompt (--pass prompt). Prints its kernels grouped by name and grid:
launches, total and mean microseconds, share of the pass.
"""
import argparse
import csv
import io
from collections import OrderedDict


def read_rows(path):
    text = open(path).read()
    start = text.find('"ID"')
    if start < 0:
        raise SystemExit(f"{path}: no ncu CSV header")
    rows = []
    for r in csv.DictReader(io.StringIO(text[start:])):
        if r.get("Metric Name") == "gpu__time_duration.sum":
            scale = {"nsecond": 1e-3, "ns": 1e-3, "usecond": 1.0, "us": 1.0, "msecond": 1e3, "ms": 1e3}[r["Metric Unit"]]
            rows.append((r["Kernel Name"], r["Grid Size"], r["Block Size"],
                         float(r["Metric Value"].replace(",", "")) * scale))
    return rows


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("csv")
    p.add_argument("--title", default="")
    p.add_argument("--pass", dest="which", choices=["decode", "prompt"], default="decode")
    a = p.parse_args()
    rows = read_rows(a.csv)
    starts = [i for i, r in enumerate(rows) if r[0].startswith("vptq_gather_rows")]
    if a.which == "prompt":
        if len(starts) < 2:
            raise SystemExit(f"{a.csv}: no complete prompt pass")
        step = rows[starts[0]:starts[1]]
    else:
        if len(starts) < 3:
            raise SystemExit(f"{a.csv}: fewer than two complete forward passes")
        step = rows[starts[-2]:starts[-1]]
    groups = OrderedDict()
    for name, grid, block, us in step:
        g = groups.setdefault((name, grid, block), [0, 0.0])
        g[0] += 1
        g[1] += us
    total = sum(us for *_, us in step)
    what = "the prompt's pass" if a.which == "prompt" else "one decode step"
    print(f"{a.title}{what}: {len(step)} kernels, {total / 1e3:.3f} ms of kernel time "
          f"(ncu, one kernel at a time).\n")
    print("| kernel | grid | block | launches | total (us) | mean (us) | share |")
    print("|---|---|---|---|---|---|---|")
    for (name, grid, block), (n, us) in sorted(groups.items(), key=lambda kv: -kv[1][1]):
        print(f"| {name} | {grid} | {block} | {n} | {us:.1f} | {us / n:.2f} | {us / total:.1%} |")


if __name__ == "__main__":
    main()
