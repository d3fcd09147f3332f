"""One PPO optimizer step written from scratch in PyTorch, for test/engine/maporl/ppoTorch.test.ts.

Usage: ppo_step.py REQUEST.json RESPONSE.json. The request:
  {"modelDir": an HF model directory (saveModel's),
   "statePath": a safetensors file with the Adam moments "m.<name>", "v.<name>" of every trainable
                tensor and, with a critic, the value head "param.v_head.summary.{weight,bias}",
   "outPath": where to write the updated parameters (F64 safetensors, one tensor per parameter),
   "step": the 1-based AdamW step count t of this step, "lr", "temperature",
   "hyper": {"clipRange", "vfClip", "vfCoef", "maxGradNorm", "critic"},
   "samples": [{"prompt", "response", "oldLogprobs", "advantages", "returns"?, "oldValues"?}]}
The response: {"loss", "gradNorm" (before clipping), "metrics": {"policyLoss", "valueLoss"?,
"clipFraction", "approxKl", "entropy"}}.

The math is TRL's PPOTrainer.loss (the one Park et al. 2025 train with), written here without
reading the engine's graph code:
  logits of the position before each response token, divided by the sampling temperature;
  ratio = exp(logp - old_logp);
  pg_loss = mean over every response token of the minibatch of max(-A·ratio, -A·clamp(ratio, 1-ε, 1+ε));
  with a value head on the trunk's final (normed) hidden state, TRL's AutoModelForCausalLMWithValueHead:
  vf_loss = ½ mean of max((V - R)², (clamp(V, V_old - εv, V_old + εv) - R)²);
  loss = pg_loss + vf_coef · vf_loss.
Then torch.nn.utils.clip_grad_norm_ and torch.optim.AdamW (betas 0.9/0.999, eps 1e-8, no weight
decay) resumed from the given moments at step t - 1.

Every sequence runs on its own, unpadded, with positions 0..L-1: the engine's left padding,
position ids and action indices are checked against the plain layout. Parameters, the loss and the
optimizer are float64 (llama_model.py keeps RMSNorm, RoPE tables and the attention softmax in
float32, as HF does), so the differences measured are essentially the engine's float32 rounding.
"""
import json
import struct
import sys

import torch

from llama_model import LlamaRef, read_safetensors

torch.set_num_threads(1)

VALUE_W, VALUE_B = "v_head.summary.weight", "v_head.summary.bias"


def write_safetensors_f64(path, tensors):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        data = tensors[name].detach().to(torch.float64).contiguous().numpy().astype("<f8")
        raw = data.tobytes()
        header[name] = {"dtype": "F64", "shape": list(data.shape), "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        blobs.append(raw)
    head = json.dumps(header).encode("utf8")
    head += b" " * (-len(head) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for raw in blobs:
            f.write(raw)


def trunk_and_head(model_dir):
    """The trunk as llama_model.py computes it, made to return the final normed hidden states:
    an untied identity "lm_head" (exact in float64); the real LM head is applied here."""
    ref = LlamaRef.load(model_dir)
    tied = ref.cfg.tie_word_embeddings
    lm_head_name = "model.embed_tokens.weight" if tied else "lm_head.weight"
    ref.cfg.tie_word_embeddings = False
    return ref, lm_head_name


def ppo_step(req):
    hyper = req["hyper"]
    critic = hyper["critic"]
    model, lm_head_name = trunk_and_head(req["modelDir"])
    state = read_safetensors(req["statePath"])
    params = {k: v.double() for k, v in model.p.items()}
    if critic:
        params[VALUE_W] = state["param." + VALUE_W].double()
        params[VALUE_B] = state["param." + VALUE_B].double()
    for p in params.values():
        p.requires_grad_(True)
    hidden_size = params["model.norm.weight"].shape[0]
    identity = torch.eye(hidden_size, dtype=torch.float64)
    model.p = {**params, "lm_head.weight": identity}

    temperature = req["temperature"]
    eps_clip, eps_v = hyper["clipRange"], hyper["vfClip"]
    logp, ent, values, old, adv, ret, old_v = [], [], [], [], [], [], []
    for s in req["samples"]:
        prompt, response = s["prompt"], s["response"]
        ids = torch.tensor([prompt + response], dtype=torch.int64)
        n = ids.shape[1]
        hidden, _ = model.forward(ids, torch.ones_like(ids), torch.arange(n)[None])  # [1, n, C]
        # Response token k sits at len(prompt) + k; the position before it predicts it.
        h = hidden[0, len(prompt) - 1:len(prompt) - 1 + len(response)]  # [R, C]
        logits = (h @ params[lm_head_name].T) / temperature
        lsm = torch.log_softmax(logits, dim=-1)
        logp.append(lsm.gather(-1, torch.tensor(response)[:, None]).squeeze(-1))
        ent.append(-(lsm.exp() * lsm).sum(-1))
        old.append(torch.tensor(s["oldLogprobs"], dtype=torch.float64))
        adv.append(torch.tensor(s["advantages"], dtype=torch.float64))
        if critic:
            values.append(h @ params[VALUE_W][0] + params[VALUE_B][0])
            ret.append(torch.tensor(s["returns"], dtype=torch.float64))
            old_v.append(torch.tensor(s["oldValues"], dtype=torch.float64))
    logp, ent, old, adv = torch.cat(logp), torch.cat(ent), torch.cat(old), torch.cat(adv)

    log_ratio = logp - old
    ratio = torch.exp(log_ratio)
    pg_losses = -adv * ratio
    pg_losses2 = -adv * torch.clamp(ratio, 1.0 - eps_clip, 1.0 + eps_clip)
    pg_loss = torch.max(pg_losses, pg_losses2).mean()
    metrics = {
        "policyLoss": pg_loss.item(),
        "clipFraction": ((ratio - 1.0).abs() > eps_clip).double().mean().item(),
        "approxKl": (0.5 * log_ratio ** 2).mean().item(),
        "entropy": ent.mean().item(),
    }
    loss = pg_loss
    if critic:
        vpred, ret, old_v = torch.cat(values), torch.cat(ret), torch.cat(old_v)
        vpred_clipped = torch.max(torch.min(vpred, old_v + eps_v), old_v - eps_v)
        vf_loss = 0.5 * torch.max((vpred - ret) ** 2, (vpred_clipped - ret) ** 2).mean()
        metrics["valueLoss"] = vf_loss.item()
        loss = pg_loss + hyper["vfCoef"] * vf_loss
    loss.backward()

    names = sorted(params)
    grad_norm = torch.nn.utils.clip_grad_norm_([params[k] for k in names], hyper["maxGradNorm"])
    opt = torch.optim.AdamW([params[k] for k in names], lr=req["lr"], betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    for k in names:
        opt.state[params[k]] = {
            "step": torch.tensor(float(req["step"] - 1)),
            "exp_avg": state["m." + k].double().clone(),
            "exp_avg_sq": state["v." + k].double().clone(),
        }
    opt.step()
    write_safetensors_f64(req["outPath"], {k: params[k] for k in names})
    return {"loss": loss.item(), "gradNorm": grad_norm.item(), "metrics": metrics}


def main():
    with open(sys.argv[1]) as f:
        req = json.load(f)
    res = ppo_step(req)
    with open(sys.argv[2], "w") as f:
        json.dump(res, f)


if __name__ == "__main__":
    main()
