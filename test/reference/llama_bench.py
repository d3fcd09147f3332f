"""PyTorch eager side of bench/generation.ts and bench/sft.ts: the reference Llama of llama_model.py
on the same model directory, driven as a worker (one JSON command a line on stdin, one JSON reply a
line on stdout) so that the benchmark can interleave our runs and PyTorch's.

  {"cmd": "hello", "threads": N}                 -> {"torch": version, "threads": N, "blas": blas_info(), "gemmCheck"}
  {"cmd": "load", "modelDir"}                    -> {"params": count, "check": float64_check()}
  {"cmd": "generate", "rows", "padId", "maxNewTokens"}
      -> {"ms", "tokens": [[...]]}: greedy decoding with a KV cache (prefill of the left-padded
         batch, then one token per step, logits of the last position only, as HF generate)
  {"cmd": "sft_init", "lr", "weightDecay", "maxGradNorm"} -> {}: every weight trainable, AdamW
  {"cmd": "sft_steps", "batch": {name: {"shape", "data"}}, "n"} -> {"samplesMs", "losses"}:
         zero_grad, forward, completion-token NLL, backward, clip_grad_norm_, AdamW step; the
         batch is collate()'s (sft/batches.ts)

The parent (bench/torchWorker.ts) starts it without OpenBLAS's pinning variables; "hello" says which
kernels OpenBLAS chose and "load" checks the model's fp32 loss and gradients against float64.
"""
import json
import sys
import time

import torch
import torch.nn.functional as F

from blas_info import blas_info, gemm_check, rel_err
from llama_model import LlamaRef, left_pad


def float64_check(model, batch=2, seq=12):
    """Next-token loss and gradients of a fixed random batch in float32 against a float64 copy of
    the model: relative errors (rel_err), the worst over the weights."""
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(0, model.cfg.vocab_size, (batch, seq), generator=g)
    mask = torch.ones(batch, seq, dtype=torch.int64)
    positions = torch.arange(seq)[None].expand(batch, seq)

    def loss_and_grads(m):
        params = [w.detach().clone().requires_grad_(True) for w in m.p.values()]
        ref = LlamaRef(m.cfg, dict(zip(m.p.keys(), params)))
        logits, _ = ref.forward(ids, mask, positions)
        loss = F.cross_entropy(logits[:, :-1].flatten(0, 1), ids[:, 1:].flatten())
        loss.backward()
        return loss.detach(), [w.grad for w in params]

    loss32, g32 = loss_and_grads(model)
    loss64, g64 = loss_and_grads(LlamaRef(model.cfg, {k: w.double() for k, w in model.p.items()}))
    grad = max(rel_err(a, b) for a, b in zip(g32, g64) if b is not None)
    return {"loss32": float(loss32), "loss64": float(loss64), "relErr": {"loss": rel_err(loss32, loss64), "grad": grad}}


def generate(model, rows, pad_id, max_new):
    ids, mask, positions = left_pad(rows, pad_id)
    with torch.inference_mode():
        logits, past = model.forward(ids, mask, positions, logits_to_keep=1)
        nxt = logits[:, -1].argmax(-1)  # [B]
        out = [nxt]
        pos = positions[:, -1:]
        for _ in range(max_new - 1):
            mask = torch.cat([mask, torch.ones(len(rows), 1, dtype=mask.dtype)], dim=1)
            pos = pos + 1
            logits, past = model.forward(nxt[:, None], mask, pos, past, logits_to_keep=1)
            nxt = logits[:, -1].argmax(-1)
            out.append(nxt)
    return torch.stack(out, dim=1).tolist()


class SftTrainer:
    def __init__(self, model, lr, weight_decay, max_grad_norm):
        self.model = model
        self.params = [p.requires_grad_(True) for p in model.p.values()]
        self.opt = torch.optim.AdamW(self.params, lr=lr, weight_decay=weight_decay)
        self.max_grad_norm = max_grad_norm

    def step(self, b):
        """As LlamaForCausalLM with labels: logits of every position, cross-entropy ignoring -100."""
        self.opt.zero_grad(set_to_none=True)
        logits, _ = self.model.forward(b["input_ids"], b["attention_mask"], b["positions"])
        labels = torch.full((logits.shape[0] * logits.shape[1],), -100, dtype=torch.int64)
        labels[b["loss_index"]] = b["loss_targets"]
        loss = F.cross_entropy(logits.flatten(0, 1), labels, ignore_index=-100)
        loss.backward()
        if self.max_grad_norm > 0:
            torch.nn.utils.clip_grad_norm_(self.params, self.max_grad_norm)
        self.opt.step()
        return loss.item()


def tensor(t, dtype):
    return torch.tensor(t["data"], dtype=dtype).reshape(t["shape"])


def main():
    model = trainer = None
    for line in sys.stdin:
        req = json.loads(line)
        cmd = req["cmd"]
        if cmd == "hello":
            torch.set_num_threads(req["threads"])
            res = {"torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas_info(), "gemmCheck": gemm_check()}
        elif cmd == "load":
            model = trainer = None
            model = LlamaRef.load(req["modelDir"])
            res = {"params": sum(p.numel() for p in model.p.values()), "check": float64_check(model)}
        elif cmd == "generate":
            t0 = time.perf_counter()
            tokens = generate(model, req["rows"], req["padId"], req["maxNewTokens"])
            res = {"ms": (time.perf_counter() - t0) * 1e3, "tokens": tokens}
        elif cmd == "sft_init":
            trainer = SftTrainer(model, req["lr"], req["weightDecay"], req["maxGradNorm"])
            res = {}
        elif cmd == "sft_steps":
            b = {k: tensor(v, torch.int64) for k, v in req["batch"].items()}
            samples, losses = [], []
            for _ in range(req["n"]):
                t0 = time.perf_counter()
                losses.append(trainer.step(b))
                samples.append((time.perf_counter() - t0) * 1e3)
            res = {"samplesMs": samples, "losses": losses}
        elif cmd == "quit":
            return
        else:
            res = {"error": f"unknown command {cmd!r}"}
        print(json.dumps(res), flush=True)


if __name__ == "__main__":
    main()
