#!/usr/bin/env python3
"""Reference encodings from Hugging Face `tokenizers` for the C++ tokenizer.

Writes <out>/<case>/tokenizer.json (+ tokenizer_config.json) and
<out>/cases.json: for each case, texts with the ids `tokenizers` gives them
(no special tokens added) and the decoded text. Cases: the tokenizer
vptq-convert wrote for stories260K (sentencepiece style), and byte-level BPE
tokenizers trained here with the Llama 3, Qwen2 and GPT-2 pre-tokenizers.
"""
import argparse
import json
import os
import shutil

from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers

LLAMA3 = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|"
          r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
QWEN2 = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}|"
         r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")

EDGE_TEXTS = [
    "Hello   world\n\n  x",
    "I'm sure they'll come. DON'T you'VE seen it?",
    "numbers 12345 and 678.9, 1000000!",
    "\u00fcn\u00efc\u00f6d\u00e9 \u0395\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03ac "
    "\u0440\u0443\u0441\u0441\u043a\u0438\u0439 \u4e2d\u6587 "
    "\u65e5\u672c\u8a9e \ud55c\uad6d\uc5b4",
    "emoji \U0001F642\U0001F680 and tabs\tand\ttrailing   ",
    "  leading spaces\r\nwindows lines\n",
    "a",
    "",
]


def byte_level(pattern, texts, special):
    tok = Tokenizer(models.BPE())
    if pattern is None:
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    else:
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(pattern), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=1200, special_tokens=special,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(texts, trainer)
    return tok


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--converted", required=True,
                   help="folder vptq-convert wrote for stories260K")
    p.add_argument("--text", required=True, help="tinystories_val.txt")
    p.add_argument("--out", required=True)
    a = p.parse_args()
    paragraphs = [t for t in open(a.text, encoding="utf-8").read().split("\n\n") if t]
    texts = paragraphs[:40] + EDGE_TEXTS
    train = paragraphs[:2000] + EDGE_TEXTS * 5
    shutil.rmtree(a.out, ignore_errors=True)
    os.makedirs(a.out)
    tokenizers = {
        "sentencepiece": Tokenizer.from_file(os.path.join(a.converted, "tokenizer.json")),
        "llama3": byte_level(LLAMA3, train, ["<|begin_of_text|>", "<|eot_id|>"]),
        "qwen2": byte_level(QWEN2, train, ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]),
        "gpt2": byte_level(None, train, ["<|endoftext|>"]),
    }
    cases = {}
    for name, tok in tokenizers.items():
        d = os.path.join(a.out, name)
        os.makedirs(d)
        tok.save(os.path.join(d, "tokenizer.json"))
        if name == "sentencepiece":
            shutil.copy(os.path.join(a.converted, "tokenizer_config.json"), d)
        cases[name] = [{"text": t,
                        "ids": tok.encode(t, add_special_tokens=False).ids,
                        "decoded": tok.decode(tok.encode(t, add_special_tokens=False).ids)}
                       for t in texts]
    # A sentencepiece tokenizer.model (no tokenizer.json), read by the C++
    # side with libsentencepiece.
    import io
    import sentencepiece as spm
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(train), model_writer=model, vocab_size=600,
        model_type="bpe", byte_fallback=True, character_coverage=1.0,
        minloglevel=2)
    d = os.path.join(a.out, "spmodel")
    os.makedirs(d)
    with open(os.path.join(d, "tokenizer.model"), "wb") as f:
        f.write(model.getvalue())
    sp = spm.SentencePieceProcessor(model_proto=model.getvalue())
    cases["spmodel"] = [{"text": t, "ids": sp.encode(t),
                         "decoded": sp.decode(sp.encode(t))} for t in texts]
    with open(os.path.join(a.out, "cases.json"), "w", encoding="utf-8") as f:
        json.dump(cases, f, ensure_ascii=False, indent=1)
    print(f"wrote {sum(len(c) for c in cases.values())} cases to {a.out}")


if __name__ == "__main__":
    main()
