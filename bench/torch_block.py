"""PyTorch eager twin of bench/blockStack.ts, timed the same way; a worker driven by bench/main.ts.

Reads one JSON command a line on stdin and answers one JSON line on stdout, so the benchmark can
interleave our steps and PyTorch's (a shared machine's load then hits both alike):
  {"cmd": "hello", "threads": N}          -> {"torch": version, "threads": N, "blas": blas_info(), "gemmCheck"}
  {"cmd": "matmul", "n", "warmup", "runs"} -> {"n", "torch", "numpy"}: the best GFLOP/s of each
  {"cmd": "build", "stack": {hidden, layers, heads, intermediate, batch, seq, eps, theta}}
      -> {"params": count, "check": first_step_check()}
  {"cmd": "steps", "n": K}                 -> {"samplesMs": [...], "losses": [...]}
A step = zero_grad, forward, MSE loss, backward, clip_grad_norm_(1.0), AdamW step: the same work as
the engine's TrainStep. The parent (bench/torchWorker.ts) starts it without OpenBLAS's pinning
variables; "hello" says which kernels OpenBLAS chose and "build" checks the first step's loss and
gradients against the same step in float64, so a fast reference is also a right one.
"""
import copy
import json
import math
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "reference"))
from blas_info import blas_info, gemm_check, gemm_gflops, rel_err  # noqa: E402


def rms_norm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rotate_half(x):
    d = x.shape[-1] // 2
    return torch.cat((-x[..., d:], x[..., :d]), dim=-1)


class Block(torch.nn.Module):
    def __init__(self, c):
        super().__init__()
        d, i = c["hidden"], c["intermediate"]
        self.c = c
        self.input_layernorm = torch.nn.Parameter(torch.ones(d))
        self.q_proj = torch.nn.Linear(d, d, bias=False)
        self.k_proj = torch.nn.Linear(d, d, bias=False)
        self.v_proj = torch.nn.Linear(d, d, bias=False)
        self.o_proj = torch.nn.Linear(d, d, bias=False)
        self.post_attention_layernorm = torch.nn.Parameter(torch.ones(d))
        self.gate_proj = torch.nn.Linear(d, i, bias=False)
        self.up_proj = torch.nn.Linear(d, i, bias=False)
        self.down_proj = torch.nn.Linear(i, d, bias=False)

    def forward(self, x, cos, sin, mask):
        b, t, d = x.shape
        nh = self.c["heads"]
        hd = d // nh
        heads = lambda y: y.view(b, t, nh, hd).transpose(1, 2)  # [B, H, T, hd]
        h = rms_norm(x, self.input_layernorm, self.c["eps"])
        q, k, v = heads(self.q_proj(h)), heads(self.k_proj(h)), heads(self.v_proj(h))
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        scores = q @ k.transpose(-1, -2) / math.sqrt(hd) + mask  # [B, H, T, T]
        o = (torch.softmax(scores, dim=-1) @ v).transpose(1, 2).reshape(b, t, d)
        x = x + self.o_proj(o)
        h = rms_norm(x, self.post_attention_layernorm, self.c["eps"])
        return x + self.down_proj(F.silu(self.gate_proj(h)) * self.up_proj(h))


class BlockStack(torch.nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.layers = torch.nn.ModuleList(Block(c) for _ in range(c["layers"]))
        self.norm = torch.nn.Parameter(torch.ones(c["hidden"]))
        t, hd = c["seq"], c["hidden"] // c["heads"]
        inv_freq = 1.0 / (c["theta"] ** (torch.arange(0, hd, 2, dtype=torch.float32) / hd))
        emb = torch.outer(torch.arange(t, dtype=torch.float32), inv_freq).repeat(1, 2)
        self.register_buffer("cos", emb.cos())
        self.register_buffer("sin", emb.sin())
        self.register_buffer("mask", torch.full((t, t), -1e9).triu(1))

    def forward(self, x):
        for layer in self.layers:
            x = layer(x, self.cos, self.sin, self.mask)
        return rms_norm(x, self.norm, self.c["eps"])


def time_runs(warmup, runs, fn):
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1e3)
    return {"medianMs": statistics.median(samples), "minMs": min(samples), "samplesMs": samples}


class Trainer:
    def __init__(self, c):
        torch.manual_seed(0)
        self.model = BlockStack(c)
        params = list(self.model.parameters())
        decay = [p for p in params if p.dim() > 1]
        no_decay = [p for p in params if p.dim() <= 1]
        self.opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                                     lr=1e-3, betas=(0.9, 0.95), eps=1e-8)
        self.x = torch.rand(c["batch"], c["seq"], c["hidden"]) * 2 - 1
        self.target = torch.rand(c["batch"], c["seq"], c["hidden"]) * 2 - 1
        self.count = sum(p.numel() for p in params)

    def loss_and_grads(self, model, dtype):
        model.zero_grad(set_to_none=True)
        loss = F.mse_loss(model(self.x.to(dtype)), self.target.to(dtype))
        loss.backward()
        grads = [p.grad.detach().clone() for p in model.parameters()]
        model.zero_grad(set_to_none=True)
        return loss.detach(), grads

    def first_step_check(self):
        """The first step's loss and gradients in float32 against float64 (a copy of the model): the
        relative errors (rel_err), worst over the parameters. Leaves the model and optimizer as they were."""
        loss32, g32 = self.loss_and_grads(self.model, torch.float32)
        loss64, g64 = self.loss_and_grads(copy.deepcopy(self.model).double(), torch.float64)
        grad = max(rel_err(a, b) for a, b in zip(g32, g64))
        return {"loss32": float(loss32), "loss64": float(loss64), "relErr": {"loss": rel_err(loss32, loss64), "grad": grad}}

    def step(self):
        self.opt.zero_grad(set_to_none=True)
        loss = F.mse_loss(self.model(self.x), self.target)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        self.opt.step()
        return loss.item()


def main():
    trainer = None
    for line in sys.stdin:
        req = json.loads(line)
        cmd = req["cmd"]
        if cmd == "hello":
            torch.set_num_threads(req["threads"])
            res = {"torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas_info(), "gemmCheck": gemm_check()}
        elif cmd == "matmul":
            res = {"n": req["n"], **gemm_gflops(req["n"], req["runs"], req["warmup"])}
        elif cmd == "build":
            trainer = None  # free the previous model first
            trainer = Trainer(req["stack"])
            res = {"params": trainer.count, "check": trainer.first_step_check()}
        elif cmd == "steps":
            losses = []
            timing = time_runs(0, req["n"], lambda: losses.append(trainer.step()))
            res = {**timing, "losses": losses}
        elif cmd == "quit":
            return
        else:
            res = {"error": f"unknown command {cmd!r}"}
        print(json.dumps(res), flush=True)


if __name__ == "__main__":
    main()
