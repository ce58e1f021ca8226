#!/usr/bin/env python3
"""Where the warps of each profiled kernel stall, per SASS instruction.

Reads the source page that `bash bench/gpu/run-profile.sh` writes with
PROFILE_SOURCE=1 (`ncu -i REPORT --page source --print-source sass --csv`,
plain or gzipped) and prints, per kernel: the stall samples by reason, the
shared-memory wavefronts against the conflict-free ideal, and the
instructions with the most samples and their two main reasons.

  report-sass.py ncu-7b-v8-k65536-sass.csv[.gz] [--top N]
"""
import argparse
import csv
import gzip


def kernels(path):
    """Yields (header, rows) per kernel section of the CSV."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", newline="") as f:
        header, rows, started = None, [], False
        for rec in csv.reader(f):
            if not rec:
                continue
            if rec[0] == "Kernel Name":
                if started:
                    yield header, rows
                header, rows, started = None, [], True
            elif rec[0] == "Address":
                header = rec
            else:
                rows.append(rec)
        if started:
            yield header, rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("csv", help="ncu source page as CSV (.gz accepted)")
    ap.add_argument("--top", type=int, default=10, help="instructions listed per kernel")
    args = ap.parse_args()
    for n, (header, rows) in enumerate(kernels(args.csv)):
        if header is None:
            raise SystemExit(f"{args.csv}: kernel {n} has no 'Address' header row")
        col = {h: i for i, h in enumerate(header)}

        def num(row, name):
            try:
                return float(row[col[name]])
            except (KeyError, ValueError, IndexError):
                return 0.0

        samples = "Warp Stall Sampling (All Samples)"
        total = sum(num(r, samples) for r in rows) or 1.0
        reasons = [h for h in header if h.startswith("stall_") and "Not Issued" not in h]
        by_reason = {h: sum(num(r, h) for r in rows) for h in reasons}
        wavefronts = sum(num(r, "L1 Wavefronts Shared") for r in rows)
        ideal = sum(num(r, "L1 Wavefronts Shared Ideal") for r in rows)
        executed = sum(num(r, "Instructions Executed") for r in rows)
        print(f"== kernel {n}: {len(rows)} SASS instructions, {total:.0f} samples, "
              f"{executed:.0f} warp instructions, shared wavefronts {wavefronts:.0f} "
              f"(ideal {ideal:.0f})")
        top_reasons = sorted(by_reason.items(), key=lambda kv: -kv[1])
        print("   stalls: " + ", ".join(f"{h[6:]} {v / total:.0%}" for h, v in top_reasons
                                        if v / total >= 0.02))
        for r in sorted(rows, key=lambda r: -num(r, samples))[:args.top]:
            main_reasons = sorted(((num(r, h), h[6:]) for h in reasons), reverse=True)[:2]
            why = ", ".join(f"{name} {v:.0f}" for v, name in main_reasons if v)
            print(f"   {num(r, samples) / total:6.1%}  {r[col['Source']].strip()[:58]:58s} "
                  f"executed {num(r, 'Instructions Executed'):.0f}  ({why})")


if __name__ == "__main__":
    main()
