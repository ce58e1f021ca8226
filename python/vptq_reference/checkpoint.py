"""Reading Hugging Face model folders: config.json and safetensors."""
import json
import os
import struct

import numpy as np

_DTYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16,
           "I64": np.int64, "I32": np.int32, "I16": np.int16, "I8": np.int8,
           "U8": np.uint8}


def read_safetensors(path):
    """name -> numpy array (BF16 widened to float32)."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        begin, end = e["data_offsets"]
        raw = data[base + begin:base + end]
        if e["dtype"] == "BF16":
            bits = np.frombuffer(raw, dtype=np.uint16).astype(np.uint32) << 16
            arr = bits.view(np.float32)
        else:
            arr = np.frombuffer(raw, dtype=_DTYPES[e["dtype"]])
        out[name] = (arr.reshape(e["shape"]), e["dtype"])
    return out


class Checkpoint:
    def __init__(self, folder):
        self.folder = folder
        with open(os.path.join(folder, "config.json")) as f:
            self.config = json.load(f)
        index = os.path.join(folder, "model.safetensors.index.json")
        self.tensors = {}
        if os.path.exists(index):
            with open(index) as f:
                files = sorted(set(json.load(f)["weight_map"].values()))
        else:
            files = ["model.safetensors"]
        for name in files:
            self.tensors.update(read_safetensors(os.path.join(folder, name)))

    def array(self, name):
        return self.tensors[name][0]

    def float32(self, name):
        return self.tensors[name][0].astype(np.float32)

    def has(self, name):
        return name in self.tensors

    def layer_config(self, module):
        q = self.config.get("quantization_config")
        if not q:
            return None
        if module in q.get("config_for_layers", {}):
            return q["config_for_layers"][module]
        return q.get("shared_layer_config", {}).get(module.split(".")[-1])


def write_safetensors(path, arrays):
    """name -> float32 numpy array, as a safetensors file."""
    header, blobs, offset = {}, [], 0
    for name in sorted(arrays):
        data = np.ascontiguousarray(arrays[name], dtype=np.float32).tobytes()
        header[name] = {"dtype": "F32", "shape": list(arrays[name].shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)
