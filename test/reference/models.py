"""PyTorch twins of the models the parity tests build with the graph DSL.

Written the plain way (HF modeling_llama.py conventions: weights stored [out, in], RMSNorm with a
weight that starts at one, RoPE with rotate_half over the two halves, KV heads repeated for GQA), so
that a disagreement points at the TypeScript side, not at a shared misreading.
"""
import math

import torch
import torch.nn.functional as F


# ---- MLP ---------------------------------------------------------------------------------------

def mlp_loss(p, x, y):
    """x [B, Din], y [B] int64 -> mean cross-entropy of a silu/tanh MLP with biases."""
    h = F.silu(x @ p["fc1.weight"].T + p["fc1.bias"])
    h = torch.tanh(h @ p["fc2.weight"].T + p["fc2.bias"])
    logits = h @ p["head.weight"].T  # [B, C]
    return F.cross_entropy(logits, y)


# ---- one-block Llama-style attention model -----------------------------------------------------

def rms_norm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rotate_half(x):
    d = x.shape[-1] // 2
    return torch.cat((-x[..., d:], x[..., :d]), dim=-1)


def rope_cos_sin(t, head_dim, theta, dtype):
    inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim))
    freqs = torch.outer(torch.arange(t, dtype=torch.float64), inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)  # [T, hd]
    return emb.cos().to(dtype), emb.sin().to(dtype)


def attention_loss(p, cfg, ids, targets, attn_mask, loss_mask):
    """ids/targets [B, T] int64, attn_mask [B, T] bool (False = padding key), loss_mask [B, T] float."""
    b, t = ids.shape
    nh, nkv, hd = cfg["heads"], cfg["kvHeads"], cfg["headDim"]
    eps = cfg["eps"]
    L = "model.layers.0."
    x = p["model.embed_tokens.weight"][ids]  # [B, T, D]

    h = rms_norm(x, p[L + "input_layernorm.weight"], eps)
    q = (h @ p[L + "self_attn.q_proj.weight"].T).view(b, t, nh, hd).transpose(1, 2)  # [B, H, T, hd]
    k = (h @ p[L + "self_attn.k_proj.weight"].T).view(b, t, nkv, hd).transpose(1, 2)  # [B, KV, T, hd]
    v = (h @ p[L + "self_attn.v_proj.weight"].T).view(b, t, nkv, hd).transpose(1, 2)
    cos, sin = rope_cos_sin(t, hd, cfg["theta"], x.dtype)
    q = q * cos + rotate_half(q) * sin
    k = k * cos + rotate_half(k) * sin
    k = k.repeat_interleave(nh // nkv, dim=1)  # HF repeat_kv: head j uses KV head j // (H / KV)
    v = v.repeat_interleave(nh // nkv, dim=1)
    scores = q @ k.transpose(-1, -2) / math.sqrt(hd)  # [B, H, T, T]
    causal = torch.ones(t, t, dtype=torch.bool).tril()
    allowed = causal[None, None] & attn_mask[:, None, None, :]
    scores = scores.masked_fill(~allowed, -1e9)
    o = torch.softmax(scores, dim=-1) @ v  # [B, H, T, hd]
    o = o.transpose(1, 2).reshape(b, t, nh * hd)
    x = x + o @ p[L + "self_attn.o_proj.weight"].T

    h = rms_norm(x, p[L + "post_attention_layernorm.weight"], eps)
    gate = F.silu(h @ p[L + "mlp.gate_proj.weight"].T)
    up = h @ p[L + "mlp.up_proj.weight"].T
    x = x + (gate * up) @ p[L + "mlp.down_proj.weight"].T

    x = rms_norm(x, p["model.norm.weight"], eps)
    logp = torch.log_softmax(x @ p["lm_head.weight"].T, dim=-1)  # [B, T, V]
    nll = -logp.gather(-1, targets[..., None]).squeeze(-1)
    return (nll * loss_mask).sum() / loss_mask.sum()
