#!/usr/bin/env python3
"""Batch-1 decode of a Llama-shaped fp16 model in plain torch: the baseline of
the end-to-end run (bench/gpu/run-e2e.sh).

Random fp16 weights of the given shape (Llama-2-7B by default), a static KV
cache, and one decode step (embedding, 32 decoder layers with cuBLAS
F.linear, rotary, scaled_dot_product_attention over the cache with a
position mask, SiLU MLP, final norm, lm_head) captured as a CUDA graph, so
that torch is timed without python's launch latency: the fastest plain
torch fp16 decode we can write, not a straw man. Times a prompt (eager,
one forward over all its tokens) and then `--decode-tokens` graph replays
at the positions after it, as vptq-model-check does for our runtime.
"""
import argparse
import json
import math
import time

import torch
import torch.nn.functional as F


def rms_norm(x, w, eps=1e-5):
    xf = x.float()
    return (xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps)).to(x.dtype) * w


class Llama:
    def __init__(self, a, dtype=torch.float16):
        dev = "cuda"
        h, inter = a.hidden, a.intermediate
        self.a = a
        self.hd = h // a.heads
        kv = a.kv_heads * self.hd

        def w(o, i):
            return torch.randn(o, i, device=dev, dtype=dtype) / math.sqrt(i)

        self.embed = torch.randn(a.vocab, h, device=dev, dtype=dtype)
        self.layers = []
        for _ in range(a.layers):
            self.layers.append(dict(
                n1=torch.ones(h, device=dev, dtype=dtype), n2=torch.ones(h, device=dev, dtype=dtype),
                q=w(h, h), k=w(kv, h), v=w(kv, h), o=w(h, h),
                gate=w(inter, h), up=w(inter, h), down=w(h, inter)))
        self.norm = torch.ones(h, device=dev, dtype=dtype)
        self.lm_head = w(a.vocab, h)
        self.kcache = [torch.zeros(a.max_seq, a.kv_heads, self.hd, device=dev, dtype=dtype)
                       for _ in range(a.layers)]
        self.vcache = [torch.zeros_like(c) for c in self.kcache]
        inv = 1.0 / (10000.0 ** (torch.arange(0, self.hd, 2, device=dev).float() / self.hd))
        self.inv_freq = inv
        self.slots = torch.arange(a.max_seq, device=dev)

    def rope(self, x, pos):
        # x: [T, heads, hd]; pos: [T] (int64, on the device).
        ang = pos.float()[:, None] * self.inv_freq[None, :]
        cos, sin = ang.cos()[:, None, :], ang.sin()[:, None, :]
        x1, x2 = x[..., : self.hd // 2].float(), x[..., self.hd // 2:].float()
        return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], -1).to(x.dtype)

    def forward(self, tokens, pos):
        """tokens, pos: [T] device tensors; positions pos are written to the
        cache and attend to every cached position <= their own."""
        a = self.a
        x = self.embed[tokens]
        T = tokens.shape[0]
        mask = self.slots[None, :] <= pos[:, None]  # [T, S]
        for l, L in enumerate(self.layers):
            y = rms_norm(x, L["n1"])
            q = self.rope(F.linear(y, L["q"]).view(T, a.heads, self.hd), pos)
            k = self.rope(F.linear(y, L["k"]).view(T, a.kv_heads, self.hd), pos)
            v = F.linear(y, L["v"]).view(T, a.kv_heads, self.hd)
            self.kcache[l].index_copy_(0, pos, k)
            self.vcache[l].index_copy_(0, pos, v)
            att = F.scaled_dot_product_attention(
                q.transpose(0, 1)[None], self.kcache[l].transpose(0, 1)[None],
                self.vcache[l].transpose(0, 1)[None], attn_mask=mask[None, None],
                enable_gqa=a.heads != a.kv_heads)
            x = x + F.linear(att[0].transpose(0, 1).reshape(T, -1), L["o"])
            y = rms_norm(x, L["n2"])
            x = x + F.linear(F.silu(F.linear(y, L["gate"])) * F.linear(y, L["up"]), L["down"])
        return F.linear(rms_norm(x, self.norm), self.lm_head)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--hidden", type=int, default=4096)
    p.add_argument("--intermediate", type=int, default=11008)
    p.add_argument("--layers", type=int, default=32)
    p.add_argument("--heads", type=int, default=32)
    p.add_argument("--kv-heads", type=int, default=32)
    p.add_argument("--vocab", type=int, default=32000)
    p.add_argument("--prompt-tokens", type=int, default=128)
    p.add_argument("--decode-tokens", type=int, default=128)
    p.add_argument("--json", required=True)
    a = p.parse_args()
    a.max_seq = a.prompt_tokens + a.decode_tokens + 1
    torch.manual_seed(0)
    with torch.inference_mode():
        m = Llama(a)
        weight_bytes = sum(t.numel() * 2 for L in m.layers for t in L.values()) + \
            m.lm_head.numel() * 2
        prompt = torch.randint(0, a.vocab, (a.prompt_tokens,), device="cuda")
        ppos = torch.arange(a.prompt_tokens, device="cuda")
        m.forward(prompt, ppos)  # warm-up
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        m.forward(prompt, ppos)
        torch.cuda.synchronize()
        prefill_ms = (time.perf_counter() - t0) * 1e3

        tok = torch.zeros(1, dtype=torch.long, device="cuda")
        pos = torch.full((1,), a.prompt_tokens, dtype=torch.long, device="cuda")
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(3):
                m.forward(tok, pos)
        torch.cuda.current_stream().wait_stream(side)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            logits = m.forward(tok, pos)
        toks = torch.randint(0, a.vocab, (a.decode_tokens,), device="cuda")
        positions = torch.arange(a.prompt_tokens, a.prompt_tokens + a.decode_tokens,
                                 device="cuda")
        graph.replay()
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        for i in range(a.decode_tokens):
            tok.copy_(toks[i:i + 1])
            pos.copy_(positions[i:i + 1])
            graph.replay()
        torch.cuda.synchronize()
        decode_ms = (time.perf_counter() - t0) * 1e3
        assert torch.isfinite(logits.float()).all(), "non-finite logits"
    per_token = decode_ms / a.decode_tokens
    print(f"torch fp16 {a.layers} layers, hidden {a.hidden}: prefill {a.prompt_tokens} tokens "
          f"in {prefill_ms:.2f} ms; decode {a.decode_tokens} tokens in {decode_ms:.2f} ms "
          f"({per_token:.3f} ms/token, {1e3 / per_token:.1f} tok/s, CUDA graph; "
          f"{weight_bytes / 1e9:.2f} GB of weights, {weight_bytes / per_token / 1e6:.0f} GB/s)",
          flush=True)
    with open(a.json, "w") as f:
        json.dump({"torch": torch.__version__, "device": torch.cuda.get_device_name(),
                   "shape": {k: getattr(a, k) for k in
                             ("hidden", "intermediate", "layers", "heads", "kv_heads", "vocab")},
                   "weight_bytes": weight_bytes, "prompt_tokens": a.prompt_tokens,
                   "prefill_ms": prefill_ms, "decode_tokens": a.decode_tokens,
                   "decode_ms": decode_ms}, f, indent=2)


if __name__ == "__main__":
    main()
