#!/usr/bin/env python3
"""Table of the end-to-end decode run (bench/gpu/run-e2e.sh).

Reads the floor probe's JSON, vptq-model-check's JSON per model and
torch_decode.py's JSON from the same device run; prints, per model, the
decode time per token with and without CUDA graphs, the speedup over torch
fp16 on the same shapes, and the ratio to the sum of the per-layer floors
of one decode step: 32 x (the seven linear layers' floors, floors.py) +
the fp16 lm_head streamed at the measured HBM bandwidth. Attention, norms
and the other small ops are not in that floor (at 128-256 positions their
bytes are under 1 % of the weights').
"""
import argparse
import json
import os
import re

import floors

TARGETS = {"v8-k65536": 1.5, "v8-k4096": 3.0}


def decoder_linears(h, inter, kv):
    """(out, in) of a Llama decoder layer's linear layers."""
    return [(h, h), (kv, h), (kv, h), (h, h), (inter, h), (inter, h), (h, inter)]


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--floor", required=True)
    p.add_argument("--torch", required=True)
    p.add_argument("models", nargs="+", help="vptq-model-check JSON, named e2e-7b-vV-kK.json")
    a = p.parse_args()
    floor = json.load(open(a.floor))
    torch_r = json.load(open(a.torch))
    shape = torch_r["shape"]
    h, inter, layers, vocab = shape["hidden"], shape["intermediate"], shape["layers"], shape["vocab"]
    kv = h // shape["heads"] * shape["kv_heads"]
    torch_ms = torch_r["decode_ms"] / torch_r["decode_tokens"]
    lm_head_us = vocab * h * 2 / (floor["hbm_read_gbps"] * 1e3)
    print(f"Shapes: hidden {h}, intermediate {inter}, {layers} layers, {shape['heads']} heads "
          f"({shape['kv_heads']} key/value), vocab {vocab}. Prompt {torch_r['prompt_tokens']} "
          f"tokens, then {torch_r['decode_tokens']} decode steps. HBM read "
          f"{floor['hbm_read_gbps']:.0f} GB/s (this run).\n")
    print(f"torch fp16 ({torch_r['torch']}, CUDA graph): {torch_ms:.3f} ms/token "
          f"({1e3 / torch_ms:.1f} tok/s, {torch_r['weight_bytes'] / torch_ms / 1e6:.0f} GB/s of "
          f"weights); prefill {torch_r['prefill_ms']:.1f} ms.\n")
    print("| model | decode, CUDA graph (ms/token) | plain launches | tok/s | vs torch fp16 | "
          "target | floor of a step (ms): linear + lm_head | vs floor | prefill (ms) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for path in a.models:
        m = re.search(r"v(\d+)-k(\d+)", os.path.basename(path))
        v, k = int(m.group(1)), int(m.group(2))
        name = f"v{v}-k{k}"
        r = json.load(open(path))
        t = {bool(x["graphs"]): x for x in r["timing"]}
        graph = t.get(True, t.get(False))
        plain = t.get(False)
        ms = graph["decode_ms"] / graph["decode_tokens"]
        plain_ms = plain["decode_ms"] / plain["decode_tokens"] if plain else float("nan")
        code_bits = max(1, (k - 1).bit_length())
        linear_us = layers * sum(floors.linear_floor_us(floor, None, o, i, 1, v, k, 0, code_bits)[0]
                                 for o, i in decoder_linears(h, inter, kv))
        floor_ms = (linear_us + lm_head_us) / 1e3
        speedup = torch_ms / ms
        need = TARGETS.get(name)
        target = f">= {need}x: {'met' if speedup >= need else 'missed'}" if need else "-"
        print(f"| 7B-shaped {name} | {ms:.3f} | {plain_ms:.3f} | {1e3 / ms:.1f} | {speedup:.2f}x | "
              f"{target} | {floor_ms:.3f}: {linear_us / 1e3:.3f} + {lm_head_us / 1e3:.3f} | "
              f"{ms / floor_ms:.2f}x (target <= 1.3x: {'met' if ms <= 1.3 * floor_ms else 'missed'}) | "
              f"{graph['prefill_ms']:.1f} |")


if __name__ == "__main__":
    main()
