"""python3 -m vptq_reference MODEL --out reference.json [options]

Writes what the C++ tests compare with: logits of given prompts, a greedy
continuation, and the perplexity of text paragraphs, computed in float64/
float32 numpy with the Hugging Face `tokenizers` library for text.
"""
import argparse
import json
import math
import os
import sys

import numpy as np

from .checkpoint import Checkpoint
from .model import Llama


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("model")
    p.add_argument("--out", required=True)
    p.add_argument("--prompt", action="append", default=[],
                   help="text prompt (needs tokenizer.json); repeatable")
    p.add_argument("--tokens", action="append", default=[],
                   help="comma-separated token ids; repeatable")
    p.add_argument("--greedy", type=int, default=0,
                   help="greedy tokens after the first prompt")
    p.add_argument("--perplexity", help="text file of blank-line paragraphs")
    p.add_argument("--paragraphs", type=int, default=300)
    p.add_argument("--dequant-out",
                   help="write every quantized layer's dense weight (float32) "
                        "to this safetensors file")
    a = p.parse_args()

    ckpt = Checkpoint(a.model)
    model = Llama(ckpt)
    tok = None
    if a.prompt or a.perplexity:
        from tokenizers import Tokenizer
        tok = Tokenizer.from_file(os.path.join(a.model, "tokenizer.json"))
    bos = ckpt.config.get("bos_token_id", 1)
    sequences = [[bos] + tok.encode(t, add_special_tokens=False).ids for t in a.prompt]
    sequences += [[int(t) for t in s.split(",")] for s in a.tokens]
    result = {"sequences": []}
    for ids in sequences:
        logits = model.logits(ids)
        result["sequences"].append({"ids": ids, "logits": logits.tolist()})
    if a.greedy and sequences:
        result["greedy"] = {"ids": sequences[0],
                            "generated": model.greedy(sequences[0], a.greedy)}
    if a.perplexity:
        text = open(a.perplexity, encoding="utf-8").read()
        paragraphs = [q.strip("\n ") for q in text.split("\n\n")]
        paragraphs = [q for q in paragraphs if q][:a.paragraphs]
        seq_len = ckpt.config.get("max_position_embeddings", 2048)
        nll, count = 0.0, 0
        for q in paragraphs:
            ids = ([bos] + tok.encode(q, add_special_tokens=False).ids)[:seq_len]
            if len(ids) < 2:
                continue
            lg = model.logits(ids).astype(np.float64)
            m = lg.max(-1, keepdims=True)
            logp = lg - (m + np.log(np.exp(lg - m).sum(-1, keepdims=True)))
            nll -= sum(logp[t, ids[t + 1]] for t in range(len(ids) - 1))
            count += len(ids) - 1
        result["perplexity"] = {"paragraphs": len(paragraphs), "tokens": count,
                                "mean_nll": nll / count,
                                "perplexity": math.exp(nll / count)}
    if a.dequant_out:
        from .checkpoint import write_safetensors
        from .dequant import dequantize
        q = ckpt.config.get("quantization_config", {})
        dense = {m: dequantize(ckpt, m, ckpt.layer_config(m))
                 for m in q.get("config_for_layers", {})}
        write_safetensors(a.dequant_out, dense)
    with open(a.out, "w") as f:
        json.dump(result, f)
    summary = f"{len(sequences)} sequences"
    if "perplexity" in result:
        summary += f", perplexity {result['perplexity']['perplexity']:.4f}"
    print(f"wrote {a.out}: {summary}", file=sys.stderr)


if __name__ == "__main__":
    main()
