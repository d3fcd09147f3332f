"""Reference logits and log-probabilities of a Hugging Face model directory, for the parity tests
(test/engine/nn/llamaParity.test.ts, test/cli/*.test.ts).

Usage: llama_parity.py REQUEST.json RESPONSE.json. A request is one job, or {"jobs": [...]} answered
by {"results": [...]} (one interpreter start for many models). Jobs:
  {"task": "logits", "modelDir", "rows": [[ids]], "padId", "adapterDir"?}
      -> {"logits": per row, the logits [len(row), V] of its real (non-pad) positions, flattened}
         the rows run as one left-padded batch, as generation batches them
  {"task": "logprobs", "modelDir", "ids": [ids]}
      -> {"logprobs": [null, log p(ids[1] | ids[:1]), ...]}
  {"task": "sft_loss", "modelDir", "batch": {input_ids, positions, attention_mask: [B, T];
   loss_index, loss_targets: [N]} as {"shape", "data"}}
      -> {"loss", "grads": {name: flat gradient}}: mean NLL of the N targets (flat positions
         b * T + t) in float64, and its gradient for every weight
"""
import json
import sys

import torch
import torch.nn.functional as F

from llama_model import LlamaRef, left_pad, read_adapter

torch.set_num_threads(1)


def logits(req):
    model = LlamaRef.load(req["modelDir"])
    lora = read_adapter(req["adapterDir"]) if req.get("adapterDir") else None
    rows = req["rows"]
    ids, mask, positions = left_pad(rows, req["padId"])
    with torch.no_grad():
        out, _ = model.forward(ids, mask, positions, lora=lora)
    t = ids.shape[1]
    return {"logits": [out[i, t - len(r):].reshape(-1).tolist() for i, r in enumerate(rows)]}


def logprobs(req):
    model = LlamaRef.load(req["modelDir"])
    ids = torch.tensor([req["ids"]], dtype=torch.int64)
    n = ids.shape[1]
    with torch.no_grad():
        out, _ = model.forward(ids, torch.ones_like(ids), torch.arange(n)[None])
    logp = torch.log_softmax(out[0].double(), dim=-1)
    picked = logp[:-1].gather(-1, ids[0, 1:, None]).squeeze(-1)
    return {"logprobs": [None] + picked.tolist()}


def sft_loss(req):
    model = LlamaRef.load(req["modelDir"])
    model.p = {k: v.double().requires_grad_(True) for k, v in model.p.items()}
    b = {k: torch.tensor(v["data"], dtype=torch.int64).reshape(v["shape"]) for k, v in req["batch"].items()}
    logits, _ = model.forward(b["input_ids"], b["attention_mask"], b["positions"])
    flat = logits.reshape(-1, logits.shape[-1])[b["loss_index"]]  # [N, V]
    loss = F.cross_entropy(flat, b["loss_targets"])
    loss.backward()
    return {"loss": loss.item(), "grads": {k: v.grad.reshape(-1).tolist() for k, v in model.p.items()}}


TASKS = {"logits": logits, "logprobs": logprobs, "sft_loss": sft_loss}


def main():
    with open(sys.argv[1]) as f:
        req = json.load(f)
    if "jobs" in req:
        res = {"results": [TASKS[job["task"]](job) for job in req["jobs"]]}
    else:
        res = TASKS[req["task"]](req)
    with open(sys.argv[2], "w") as f:
        json.dump(res, f)


if __name__ == "__main__":
    main()
