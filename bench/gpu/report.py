#!/usr/bin/env python3
"""Merges vptq-gpu-check and torch_linear.py JSON results into a markdown table."""
import argparse
import json


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--checks", nargs="+", required=True)
    p.add_argument("--torch", required=True)
    args = p.parse_args()
    with open(args.torch) as f:
        torch_results = json.load(f)
    baseline = {(r["out_features"], r["in_features"], r["batch"]): r["median_us"]
                for r in torch_results["results"]}
    rows, devices, total, bad = [], set(), 0, 0
    for path in args.checks:
        with open(path) as f:
            check = json.load(f)
        devices.add(check["device"])
        for r in check["results"]:
            total += 1
            bad += 0 if r["correct"] else 1
            key = r["spec_key"].split("-act")[0]
            act = r["spec_key"].split("-act")[1].split("-")[0]
            fp16 = baseline.get((r["out_features"], r["in_features"], r["batch"]))
            speedup = f"{fp16 / r['median_us']:.2f}x" if fp16 else "-"
            rows.append(
                f"| {key} | {act} | {r['out_features']}x{r['in_features']} | {r['batch']} | "
                f"{'ok' if r['correct'] else 'MISMATCH'} | {r['checked']} | "
                f"{r['max_scaled_error']:.1e} | {r['median_us']:.1f} | "
                f"{fp16:.1f} | {speedup} | {r['registers']} | {r['local_bytes']} |"
                if fp16 else
                f"| {key} | {act} | {r['out_features']}x{r['in_features']} | {r['batch']} | "
                f"{'ok' if r['correct'] else 'MISMATCH'} | {r['checked']} | "
                f"{r['max_scaled_error']:.1e} | {r['median_us']:.1f} | - | - | "
                f"{r['registers']} | {r['local_bytes']} |")
    print(f"Device: {', '.join(sorted(devices))}; torch {torch_results['torch']}.")
    print(f"{total - bad} of {total} (kernel, batch) runs match the reference.\n")
    print("| layer configuration | act | out x in | batch | check | elements | "
          "max err / scale | ours (us) | torch fp16 (us) | speedup | regs | local bytes |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
