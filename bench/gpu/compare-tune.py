#!/usr/bin/env python3
"""Per (layer, batch) of an autotuner run (vptq-gpu-check JSON of the
tune bundle): the fastest correct tensor-core kernel of each form the run
has (register fragments, #vptq.tiling mma; with staged_inputs; with
shared_weights) and torch fp16 F.linear from a torch_linear.py JSON, with
torch's time over the fastest of them.

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
    kind = (" sw" if t.get("shared_weights") else
            " si" if t.get("staged_inputs") else " mma" if t["mma"] else "")
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
    forms = [("mma", lambda t: t["mma"] and not t.get("shared_weights")
              and not t.get("staged_inputs")),
             ("staged inputs", lambda t: t.get("staged_inputs")),
             ("shared weights", lambda t: t.get("shared_weights"))]
    present = [(name, test) for name, test in forms
               if any(test(r["tiling"]) for r in runs)]
    print("| layer | batch | torch fp16 (us) | " +
          " | ".join(f"best {name} (us) | tiling" for name, _ in present) +
          " | torch / best |")
    print("|---|---|---|" + "---|---|" * len(present) + "---|")
    for key in sorted(groups):
        config, out_f, in_f, batch = key
        ok = [r for r in groups[key] if r["correct"]]
        fp16 = torch.get((out_f, in_f, batch), float("nan"))
        cells, best = [], None
        for _, test in present:
            kernels = [r for r in ok if test(r["tiling"])]
            if not kernels:
                cells.append("- | -")
                continue
            k = min(kernels, key=lambda r: r["median_us"])
            cells.append(f"{k['median_us']:.1f} | {describe(k)}")
            if best is None or k["median_us"] < best["median_us"]:
                best = k
        if best is None:
            continue
        print(f"| {config} {out_f}x{in_f} | {batch} | {fp16:.1f} | " +
              " | ".join(cells) + f" | {fp16 / best['median_us']:.2f}x |")

if __name__ == "__main__":
    main()
