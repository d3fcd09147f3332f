"""A PyTorch Llama / Qwen2 / Mistral causal LM that reads a Hugging Face model directory.

Written from transformers' modeling_llama.py and modeling_qwen2.py (transformers itself is not
installed): weights stored [out, in] and used as x @ W.T; RMSNorm computed in float32 with a weight
that starts at one; RoPE inverse frequencies computed in float32 (modeling_rope_utils.py, default and
"llama3"), cos/sin in float32, rotate_half over the two halves; K/V heads repeated for grouped-query
attention (repeat_kv); softmax in float32; MLP down(silu(gate(x)) * up(x)); Qwen2 has q/k/v biases
(no config field: switched on model_type); tie_word_embeddings uses the embedding as lm_head.

It shares no code with the TypeScript engine: a disagreement points at one side, not at a common
misreading. Used by the parity tests (llama_parity.py) and the benchmarks (llama_bench.py).
"""
import json
import math
import os
import struct

import numpy as np
import torch
import torch.nn.functional as F

# ---- files -------------------------------------------------------------------------------------

_NP_DTYPES = {"F32": np.float32, "F64": np.float64, "F16": np.float16, "I64": np.int64, "I32": np.int32}


def read_safetensors(path):
    """All tensors of one .safetensors file as float32 torch tensors (BF16 widened by bit shift)."""
    with open(path, "rb") as f:
        data = f.read()
    (header_len,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + header_len])
    base = 8 + header_len
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        raw = data[base + start:base + end]
        if info["dtype"] == "BF16":
            bits = np.frombuffer(raw, dtype=np.uint16).astype(np.uint32) << 16
            arr = bits.view(np.float32)
        else:
            arr = np.frombuffer(raw, dtype=_NP_DTYPES[info["dtype"]])
        out[name] = torch.from_numpy(arr.astype(np.float32).reshape(info["shape"]).copy())
    return out


def read_weights(model_dir):
    """model.safetensors, or the shards listed by model.safetensors.index.json."""
    single = os.path.join(model_dir, "model.safetensors")
    if os.path.exists(single):
        return read_safetensors(single)
    with open(os.path.join(model_dir, "model.safetensors.index.json")) as f:
        shards = sorted(set(json.load(f)["weight_map"].values()))
    weights = {}
    for shard in shards:
        weights.update(read_safetensors(os.path.join(model_dir, shard)))
    return weights


class Config:
    """The config.json fields that change the math, with LlamaConfig / Qwen2Config defaults."""

    def __init__(self, j):
        self.model_type = j.get("model_type", "llama")
        self.hidden_size = j["hidden_size"]
        self.intermediate_size = j["intermediate_size"]
        self.num_hidden_layers = j["num_hidden_layers"]
        self.num_attention_heads = j["num_attention_heads"]
        self.num_key_value_heads = j.get("num_key_value_heads") or self.num_attention_heads
        self.head_dim = j.get("head_dim") or self.hidden_size // self.num_attention_heads
        self.rms_norm_eps = j.get("rms_norm_eps", 1e-6)
        self.rope_theta = j.get("rope_theta", 10000.0)
        self.rope_scaling = j.get("rope_scaling")
        self.vocab_size = j["vocab_size"]
        self.tie_word_embeddings = j.get("tie_word_embeddings", False)
        # Qwen2: q/k/v always biased, o_proj never. Llama: attention_bias biases q/k/v/o alike.
        self.qkv_bias = self.model_type == "qwen2" or j.get("attention_bias", False)
        self.o_bias = self.model_type == "llama" and j.get("attention_bias", False)


def read_config(model_dir):
    with open(os.path.join(model_dir, "config.json")) as f:
        return Config(json.load(f))


# ---- RoPE (modeling_rope_utils.py) --------------------------------------------------------------

def rope_inv_freq(cfg):
    dim = cfg.head_dim
    inv_freq = 1.0 / (cfg.rope_theta ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim))
    s = cfg.rope_scaling
    if s is None or s.get("rope_type", s.get("type")) == "default":
        return inv_freq
    assert s.get("rope_type", s.get("type")) == "llama3", s
    factor, low, high = s["factor"], s["low_freq_factor"], s["high_freq_factor"]
    old_ctx = s["original_max_position_embeddings"]
    low_freq_wavelen = old_ctx / low
    high_freq_wavelen = old_ctx / high
    wavelen = 2 * math.pi / inv_freq
    scaled = torch.where(wavelen > low_freq_wavelen, inv_freq / factor, inv_freq)
    smooth = (old_ctx / wavelen - low) / (high - low)
    smoothed = (1 - smooth) * scaled / factor + smooth * scaled
    is_medium = ~(wavelen < high_freq_wavelen) * ~(wavelen > low_freq_wavelen)
    return torch.where(is_medium, smoothed, scaled)


def rope_cos_sin(inv_freq, position_ids, dtype):
    """position_ids [B, T] -> cos, sin [B, 1, T, D], computed in float32 as LlamaRotaryEmbedding does."""
    freqs = (inv_freq[None, :, None].float() @ position_ids[:, None, :].float()).transpose(1, 2)  # [B, T, D/2]
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos().to(dtype)[:, None], emb.sin().to(dtype)[:, None]


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


# ---- the model ---------------------------------------------------------------------------------

def rms_norm(x, w, eps):
    dtype = x.dtype
    h = x.float()
    h = h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + eps)
    return w * h.to(dtype)


def linear(x, p, name, lora=None):
    """x @ W.T (+ b), plus the LoRA path scale * B(A(x)) when `lora` adapts this module."""
    y = x @ p[name + ".weight"].T
    if name + ".bias" in p:
        y = y + p[name + ".bias"]
    if lora is not None and name in lora["modules"]:
        a, b = lora["modules"][name]
        y = y + (x @ a.T) @ b.T * lora["scale"]
    return y


def repeat_kv(x, n_rep):
    """[B, KVH, S, D] -> [B, KVH * n_rep, S, D]: head h uses KV head h // n_rep."""
    if n_rep == 1:
        return x
    b, kvh, s, d = x.shape
    return x[:, :, None].expand(b, kvh, n_rep, s, d).reshape(b, kvh * n_rep, s, d)


class LlamaRef:
    def __init__(self, cfg, weights):
        self.cfg = cfg
        self.p = weights
        self.inv_freq = rope_inv_freq(cfg)

    @staticmethod
    def load(model_dir):
        return LlamaRef(read_config(model_dir), read_weights(model_dir))

    def forward(self, input_ids, attention_mask, position_ids, past=None, lora=None, logits_to_keep=0):
        """input_ids, position_ids [B, T]; attention_mask [B, S] (S = P + T, 1 = real token);
        past: per layer (k, v) [B, KVH, P, D] or None. Returns logits [B, T, V] (of the last
        `logits_to_keep` positions only when > 0, as HF generate asks) and the new cache."""
        cfg, p = self.cfg, self.p
        b, t = input_ids.shape
        h, kvh, d = cfg.num_attention_heads, cfg.num_key_value_heads, cfg.head_dim
        x = F.embedding(input_ids, p["model.embed_tokens.weight"])
        cos, sin = rope_cos_sin(self.inv_freq, position_ids, x.dtype)
        s = attention_mask.shape[1]
        past_len = s - t
        causal = torch.ones(t, s, dtype=torch.bool).tril(diagonal=past_len)  # query i sees keys <= past_len + i
        allowed = causal[None, None] & attention_mask.bool()[:, None, None, :]  # [B, 1, T, S]
        bias = torch.zeros(allowed.shape, dtype=x.dtype).masked_fill(~allowed, torch.finfo(x.dtype).min)
        present = []
        for layer in range(cfg.num_hidden_layers):
            pre = f"model.layers.{layer}."
            hs = rms_norm(x, p[pre + "input_layernorm.weight"], cfg.rms_norm_eps)
            q = linear(hs, p, pre + "self_attn.q_proj", lora).view(b, t, h, d).transpose(1, 2)
            k = linear(hs, p, pre + "self_attn.k_proj", lora).view(b, t, kvh, d).transpose(1, 2)
            v = linear(hs, p, pre + "self_attn.v_proj", lora).view(b, t, kvh, d).transpose(1, 2)
            q = q * cos + rotate_half(q) * sin
            k = k * cos + rotate_half(k) * sin
            if past is not None:
                k = torch.cat([past[layer][0], k], dim=2)
                v = torch.cat([past[layer][1], v], dim=2)
            present.append((k, v))
            scores = q @ repeat_kv(k, h // kvh).transpose(2, 3) / math.sqrt(d) + bias  # [B, H, T, S]
            probs = torch.softmax(scores, dim=-1, dtype=torch.float32).to(q.dtype)
            o = (probs @ repeat_kv(v, h // kvh)).transpose(1, 2).reshape(b, t, h * d)
            x = x + linear(o, p, pre + "self_attn.o_proj", lora)
            hs = rms_norm(x, p[pre + "post_attention_layernorm.weight"], cfg.rms_norm_eps)
            gate = F.silu(linear(hs, p, pre + "mlp.gate_proj", lora))
            x = x + linear(gate * linear(hs, p, pre + "mlp.up_proj", lora), p, pre + "mlp.down_proj", lora)
        if logits_to_keep > 0:
            x = x[:, -logits_to_keep:]
        x = rms_norm(x, p["model.norm.weight"], cfg.rms_norm_eps)
        head = p["model.embed_tokens.weight"] if cfg.tie_word_embeddings else p["lm_head.weight"]
        return x @ head.T, present


def left_pad(rows, pad_id):
    """Token rows -> ids, attention mask and position ids [B, T], left-padded (HF generate's layout)."""
    t = max(len(r) for r in rows)
    ids = torch.full((len(rows), t), pad_id, dtype=torch.int64)
    mask = torch.zeros((len(rows), t), dtype=torch.int64)
    for i, r in enumerate(rows):
        ids[i, t - len(r):] = torch.tensor(r, dtype=torch.int64)
        mask[i, t - len(r):] = 1
    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    return ids, mask, positions


def read_adapter(adapter_dir):
    """A PEFT LoRA adapter directory -> {"scale", "modules": {HF module name: (A [r, in], B [out, r])}}."""
    with open(os.path.join(adapter_dir, "adapter_config.json")) as f:
        cfg = json.load(f)
    tensors = read_safetensors(os.path.join(adapter_dir, "adapter_model.safetensors"))
    prefix = "base_model.model."
    modules = {}
    for name in tensors:
        if name.endswith(".lora_A.weight"):
            module = name[len(prefix):-len(".lora_A.weight")]
            modules[module] = (tensors[name], tensors[prefix + module + ".lora_B.weight"])
    return {"scale": cfg["lora_alpha"] / cfg["r"], "modules": modules}
