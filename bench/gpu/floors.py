"""The measured floor of a VQ linear layer, shared by the speed reports.

floor = max(index bytes / HBM read bandwidth,
            sum over codebooks of lookups / gather rate(K, row bytes),
            2 x batch x out x in / fp16 tensor-core peak)
with the bandwidth and gather rates from floor-probe's JSON (best of global
and shared memory, from the smallest probed codebook at least as large) and
the peak from torch's 8192^3 fp16 matmul.
"""
import math


def gather_ns_per_million(floor, k, row_bytes):
    best = None
    for g in floor["gathers"]:
        if g["row_bytes"] == row_bytes and g["k"] >= k:
            if best is None or g["k"] < best["k"]:
                best = g
    if best is None:
        raise SystemExit(f"floor probe has no gather rate for k={k}, {row_bytes} bytes")
    return best["ns_per_million_lookups"]


def linear_floor_us(floor, peak_tflops, out_f, in_f, batch, v, k, kr, code_bits):
    """(floor, index part, gather part, compute part) in microseconds of one
    call of an out_f x in_f layer with v-long vectors, K = k (and kr
    residual) centroids and code_bits bits per stored code (f16 rows)."""
    codes = math.ceil(out_f / v) * in_f
    index_us = codes * code_bits / 8 / (floor["hbm_read_gbps"] * 1e3)
    gather_us = codes / 1e6 * gather_ns_per_million(floor, k, 2 * v) / 1e3
    if kr:
        gather_us += codes / 1e6 * gather_ns_per_million(floor, kr, 2 * v) / 1e3
    compute_us = 2 * batch * out_f * in_f / (peak_tflops * 1e6) if peak_tflops else 0.0
    return max(index_us, gather_us, compute_us), index_us, gather_us, compute_us
