"""Reference losses, gradients and AdamW trajectories for test/engine/graph/parity.test.ts.

Usage: parity.py REQUEST.json RESPONSE.json. A request names a model ("mlp" or "attention"),
float64 parameters and a batch; the reply holds the loss and every parameter's gradient, or, for
"adamw", the losses, gradient norms and final parameters after several optimizer steps.
"""
import json
import sys

import torch

from models import attention_loss, mlp_loss

torch.set_num_threads(1)
DT = torch.float64


def tensor(t, dtype=DT):
    return torch.tensor(t["data"], dtype=dtype).reshape(t["shape"])


def params_of(req):
    return {k: tensor(v).requires_grad_(True) for k, v in req["params"].items()}


def loss_of(req, p, batch):
    if req["model"] == "mlp":
        return mlp_loss(p, tensor(batch["x"]), tensor(batch["y"], torch.int64))
    if req["model"] == "attention":
        return attention_loss(p, req["config"], tensor(batch["ids"], torch.int64), tensor(batch["targets"], torch.int64),
                              tensor(batch["attnMask"], torch.bool), tensor(batch["lossMask"]))
    raise SystemExit(f"unknown model {req['model']!r}")


def flat(t):
    return t.detach().reshape(-1).tolist()


def gradients(req):
    p = params_of(req)
    loss = loss_of(req, p, req["batch"])
    loss.backward()
    return {"loss": loss.item(), "grads": {k: flat(v.grad) for k, v in p.items()}}


def adamw(req):
    """Several steps of clip_grad_norm_ + torch.optim.AdamW, one batch and learning rate per step."""
    p = params_of(req)
    o = req["optimizer"]
    groups = [
        {"params": [v for k, v in p.items() if req["decay"][k]], "weight_decay": o["weightDecay"]},
        {"params": [v for k, v in p.items() if not req["decay"][k]], "weight_decay": 0.0},
    ]
    opt = torch.optim.AdamW(groups, lr=0.0, betas=(o["beta1"], o["beta2"]), eps=o["eps"])
    losses, norms = [], []
    for batch, lr in zip(req["batches"], req["lrs"]):
        opt.zero_grad()
        loss = loss_of(req, p, batch)
        loss.backward()
        norms.append(torch.nn.utils.clip_grad_norm_(list(p.values()), req["maxGradNorm"]).item())
        for g in opt.param_groups:
            g["lr"] = lr
        opt.step()
        losses.append(loss.item())
    return {"losses": losses, "gradNorms": norms, "params": {k: flat(v) for k, v in p.items()}}


def main():
    req = json.load(open(sys.argv[1]))
    res = adamw(req) if req.get("task") == "adamw" else gradients(req)
    with open(sys.argv[2], "w") as f:
        json.dump(res, f)


if __name__ == "__main__":
    main()
