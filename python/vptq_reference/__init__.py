"""An independent numpy reference of VPTQ checkpoints and Llama-family models.

Written from ../shared/VPTQ_FORMAT.md and the Hugging Face Llama definition,
without any code of the C++ project: the tests compare the C++ runtime's
dequantization, logits, greedy generation and perplexity with it.
"""
