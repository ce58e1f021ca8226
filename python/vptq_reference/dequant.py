"""VPTQ dequantization, step by step as VPTQ_FORMAT.md describes it."""
import math

import numpy as np


def _bits(n):
    return max(1, math.ceil(math.log2(n))) if n > 1 else 1


def unpack(words, count, index_bits, res_bits):
    """One row of int32 words -> (main, residual) indices, LSB-first stream."""
    w = np.asarray(words).astype(np.int64) & 0xFFFFFFFF
    bits = ((w[:, None] >> np.arange(32)) & 1).reshape(-1)  # stream bit s
    width = index_bits + res_bits
    code = np.zeros(count, dtype=np.int64)
    for b in range(width):
        code |= bits[np.arange(count) * width + b] << b
    return code & ((1 << index_bits) - 1), code >> index_bits


def dequantize(ckpt, module, cfg):
    """The dense weight (out x in, float32) of quantized linear `module`."""
    out_f, in_f = cfg["out_features"], cfg["in_features"]
    vo, v = cfg["vector_lens"]
    ko, k = cfg["num_centroids"]
    kr = cfg["num_res_centroids"][1]
    nc = cfg.get("group_num", cfg.get("num_codebooks", 1))
    gs = cfg["group_size"]
    os_ = cfg.get("outlier_size", 0)
    packed = cfg.get("is_indice_packed", False)
    pad = (-out_f) % v
    ni = (out_f + pad) // v
    ib = _bits(k)
    rb = _bits(kr) if kr > 0 else 0

    cent = ckpt.float32(module + ".centroids.weight").reshape(nc, k, v)
    res_cent = (ckpt.float32(module + ".res_centroids.weight").reshape(nc, kr, v)
                if kr > 0 else None)
    if packed:
        words = ckpt.array(module + ".indices")
        idx = np.zeros((nc, ni, gs), dtype=np.int64)
        res = np.zeros((nc, ni, gs), dtype=np.int64)
        for c in range(nc):
            for n in range(ni):
                idx[c, n], res[c, n] = unpack(words[c, n], gs, ib, rb)
    else:
        as_u16 = lambda a: (a.view(np.uint16) if a.dtype.itemsize == 2
                            else a).astype(np.int64)
        idx = as_u16(ckpt.array(module + ".indices"))
        res = as_u16(ckpt.array(module + ".res_indices")) if kr > 0 else None

    main = np.zeros((ni * v, nc * gs), dtype=np.float32)
    for c in range(nc):
        vecs = cent[c][idx[c]]  # ni x gs x v
        if kr > 0:
            vecs = vecs + res_cent[c][res[c]]
        # W[n*v + l, c*gs + g] = vecs[n, g, l]
        main[:, c * gs:(c + 1) * gs] = vecs.transpose(0, 2, 1).reshape(ni * v, gs)
    w = main[:out_f]
    if os_ > 0 and vo > 1 and ko > 0:
        ocent = ckpt.float32(module + ".outlier_centroids.weight").reshape(ko, vo)
        oidx = ckpt.array(module + ".outlier_indices")[0].view(np.uint16).astype(np.int64)
        nio = oidx.shape[0]
        wout = ocent[oidx].transpose(0, 2, 1).reshape(nio * vo, os_)[:out_f]
        w = np.concatenate([wout, w], axis=1)
    if cfg.get("enable_perm", False):
        perm = ckpt.array(module + ".perm")
        perm = (perm.view(np.uint16) if perm.dtype.itemsize == 2 else perm).astype(np.int64)
        w = w[:, np.argsort(perm)]
    if cfg.get("enable_norm", False):
        w = w * ckpt.float32(module + ".weight_scale")[None, :] + \
            ckpt.float32(module + ".weight_bias")[None, :]
    assert w.shape == (out_f, in_f), (w.shape, out_f, in_f)
    return w.astype(np.float32)
