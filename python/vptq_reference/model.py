"""A Llama-family decoder in float32 numpy (Hugging Face semantics)."""
import numpy as np

from .dequant import dequantize


class Llama:
    def __init__(self, ckpt):
        c = ckpt.config
        self.c = c
        self.hidden = c["hidden_size"]
        self.heads = c["num_attention_heads"]
        self.kv_heads = c.get("num_key_value_heads", self.heads)
        self.head_dim = c.get("head_dim", self.hidden // self.heads)
        self.eps = c.get("rms_norm_eps", 1e-6)
        theta = c.get("rope_theta", 10000.0)
        self.inv_freq = theta ** (-np.arange(0, self.head_dim, 2, dtype=np.float64)
                                  / self.head_dim)

        def linear(name):
            cfg = ckpt.layer_config(name)
            if cfg is not None:
                w = dequantize(ckpt, name, cfg)
            elif name == "lm_head" and c.get("tie_word_embeddings", False):
                w = ckpt.float32("model.embed_tokens.weight")
            else:
                w = ckpt.float32(name + ".weight")
            b = ckpt.float32(name + ".bias") if ckpt.has(name + ".bias") else None
            return w, b

        self.embed = ckpt.float32("model.embed_tokens.weight")
        self.layers = []
        for i in range(c["num_hidden_layers"]):
            p = f"model.layers.{i}."
            self.layers.append({
                "in_norm": ckpt.float32(p + "input_layernorm.weight"),
                "post_norm": ckpt.float32(p + "post_attention_layernorm.weight"),
                **{n: linear(p + m) for n, m in [
                    ("q", "self_attn.q_proj"), ("k", "self_attn.k_proj"),
                    ("v", "self_attn.v_proj"), ("o", "self_attn.o_proj"),
                    ("gate", "mlp.gate_proj"), ("up", "mlp.up_proj"),
                    ("down", "mlp.down_proj")]}})
        self.norm = ckpt.float32("model.norm.weight")
        self.lm_head = linear("lm_head")

    def rms(self, x, w):
        x64 = x.astype(np.float64)
        scale = 1.0 / np.sqrt((x64 * x64).mean(-1, keepdims=True) + self.eps)
        return (x64 * scale * w).astype(np.float32)

    def rope(self, x, n_heads, positions):
        t = x.reshape(len(positions), n_heads, self.head_dim).astype(np.float64)
        ang = np.asarray(positions, dtype=np.float64)[:, None] * self.inv_freq[None, :]
        cos, sin = np.cos(ang)[:, None, :], np.sin(ang)[:, None, :]
        half = self.head_dim // 2
        a, b = t[..., :half], t[..., half:]
        out = np.concatenate([a * cos - b * sin, b * cos + a * sin], axis=-1)
        return out.reshape(x.shape).astype(np.float32)

    @staticmethod
    def apply(lin, x):
        w, b = lin
        y = x.astype(np.float64) @ w.astype(np.float64).T
        if b is not None:
            y = y + b
        return y.astype(np.float32)

    def logits(self, tokens):
        """Logits of every position of `tokens` (from position 0)."""
        n = len(tokens)
        pos = np.arange(n)
        x = self.embed[np.asarray(tokens)]
        group = self.heads // self.kv_heads
        mask = np.triu(np.full((n, n), -np.inf), 1)
        for L in self.layers:
            h = self.rms(x, L["in_norm"])
            q = self.rope(self.apply(L["q"], h), self.heads, pos)
            k = self.rope(self.apply(L["k"], h), self.kv_heads, pos)
            v = self.apply(L["v"], h)
            q = q.reshape(n, self.heads, self.head_dim).astype(np.float64)
            k = k.reshape(n, self.kv_heads, self.head_dim).astype(np.float64)
            v = v.reshape(n, self.kv_heads, self.head_dim).astype(np.float64)
            out = np.zeros((n, self.heads, self.head_dim))
            for hh in range(self.heads):
                kh = k[:, hh // group]
                s = q[:, hh] @ kh.T / np.sqrt(self.head_dim) + mask
                s = np.exp(s - s.max(-1, keepdims=True))
                s /= s.sum(-1, keepdims=True)
                out[:, hh] = s @ v[:, hh // group]
            x = x + self.apply(L["o"], out.reshape(n, -1).astype(np.float32))
            h = self.rms(x, L["post_norm"])
            g = self.apply(L["gate"], h).astype(np.float64)
            u = self.apply(L["up"], h)
            x = x + self.apply(L["down"], (g / (1 + np.exp(-g)) * u).astype(np.float32))
        return self.apply(self.lm_head, self.rms(x, self.norm))

    def greedy(self, tokens, count):
        tokens = list(tokens)
        out = []
        for _ in range(count):
            nxt = int(np.argmax(self.logits(tokens)[-1]))
            out.append(nxt)
            tokens.append(nxt)
        return out
