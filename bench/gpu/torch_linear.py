#!/usr/bin/env python3
"""Times torch's fp16 F.linear (cuBLAS) on the shapes of vptq-compile bundles.

Runs on the GPU machine (python3 with torch there). For each distinct
(out_features, in_features) of the bundles' kernels and each batch size:
warm-up, then the median of CUDA-event-timed replays of a CUDA graph of
back-to-back calls (no python launch latency in the interval), rotating
weight copies so that the L2 cache does not hold a small layer's weight.
"""
import argparse
import json
import math
import statistics

import torch
import torch.nn.functional as F


def shapes_from(manifests):
    shapes = set()
    for path in manifests:
        with open(path) as f:
            for k in json.load(f)["kernels"]:
                spec = k["spec"]
                shapes.add((spec["out_features"], spec["in_features"]))
    return sorted(shapes)


def time_linear(out_f, in_f, batch, reps, warmup, dtype):
    """Median time of one F.linear call, from a CUDA graph of back-to-back
    calls over rotating weight copies (so python's launch latency is not
    counted and the L2 cache does not hold the weight)."""
    weight_bytes = out_f * in_f * 2
    copies = max(1, min(8, 100_000_000 // weight_bytes + 1))
    ws = [torch.randn(out_f, in_f, device="cuda", dtype=dtype) for _ in range(copies)]
    xs = [torch.randn(batch, in_f, device="cuda", dtype=dtype) for _ in range(copies)]
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        for i in range(warmup):
            F.linear(xs[i % copies], ws[i % copies])
    torch.cuda.current_stream().wait_stream(side)
    torch.cuda.synchronize()
    start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)

    def replay(graph, calls):
        start.record()
        graph.replay()
        stop.record()
        stop.synchronize()
        return start.elapsed_time(stop) * 1000.0 / calls

    def capture(calls):
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            for i in range(calls):
                F.linear(xs[i % copies], ws[i % copies])
        replay(graph, calls)
        return graph

    # Enough calls per replay that one lasts about 200 us.
    estimate = replay(capture(copies), copies)
    calls = copies * max(1, min(20, math.ceil(200.0 / estimate / copies)))
    graph = capture(calls)
    times = [replay(graph, calls) for _ in range(reps)]
    return statistics.median(times), copies, calls


def gemm_peak_tflops(dtype, n=8192, reps=20):
    """fp16 tensor-core throughput of a large square matmul (the compute floor)."""
    a = torch.randn(n, n, device="cuda", dtype=dtype)
    b = torch.randn(n, n, device="cuda", dtype=dtype)
    for _ in range(3):
        a @ b
    torch.cuda.synchronize()
    start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    times = []
    for _ in range(reps):
        start.record()
        a @ b
        stop.record()
        stop.synchronize()
        times.append(start.elapsed_time(stop) / 1000.0)
    return 2 * n ** 3 / statistics.median(times) / 1e12


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--manifests", nargs="+", required=True)
    p.add_argument("--batches", default="1,16,256")
    p.add_argument("--reps", type=int, default=30)
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--json", required=True)
    args = p.parse_args()
    batches = [int(b) for b in args.batches.split(",")]
    results = []
    for out_f, in_f in shapes_from(args.manifests):
        for b in batches:
            us, copies, calls = time_linear(out_f, in_f, b, args.reps, args.warmup,
                                            torch.float16)
            results.append({"out_features": out_f, "in_features": in_f, "batch": b,
                            "median_us": us, "weight_copies": copies,
                            "calls_per_graph": calls})
            print(f"torch fp16 F.linear {out_f:6d} x {in_f:<6d} b={b:<4d} {us:9.2f} us", flush=True)
    peak = gemm_peak_tflops(torch.float16)
    print(f"torch fp16 8192^3 matmul: {peak:.0f} TFLOPS", flush=True)
    with open(args.json, "w") as f:
        json.dump({"torch": torch.__version__, "device": torch.cuda.get_device_name(),
                   "gemm_peak_tflops": peak, "results": results}, f, indent=2)


if __name__ == "__main__":
    main()
