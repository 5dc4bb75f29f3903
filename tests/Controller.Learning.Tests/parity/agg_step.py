"""Parity of the C# Agg-GNN trainer (Controller.Learning AggTrainer) with the Python one (training.train_agg).

The C# test AggParityTests writes, into DIR:
- init.safetensors: the initial weights (conv.{l}.weight / conv.{l}.bias), `scale`, the per-slot `baseline` with
  `baseline_visited` (1 where set; NaN is not storable), and `mu`; metadata: hops, p0, lr, dual_step, baseline_decay,
  target_on, steps and the scenario settings / seed / counts of the data;
- batch.safetensors: the training set (`sequences`, `snr_gains`, `active`, `deciding`; flags as 0/1) and, per step k,
  the configurations `index.{k}` and the Bernoulli `draws.{k}` the C# trainer used.
This script runs the same steps with train_agg's own functions (held_actions, slot_rates, AggGnnCnn, torch Adam) and the
loop body of train_agg.train with those draws, and writes python.safetensors: per step the weights `{name}.step{k}`, their
gradients `grad.{name}.step{k}`, `loss.step{k}`, `mu.step{k}`, and the final `baseline` / `baseline_visited`.
With --controller (the Release controller.dll), it also exports the same data with `controller scenario export`, prepares it
with data.prepare_agg and reports in python.json how far it is from the C# set (it must be equal).

    PYTHONPATH=src /usr/bin/python3 tests/Controller.Learning.Tests/parity/agg_step.py --dir DIR [--controller DLL]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F

from training.data import ensure_export, load_export, prepare_agg
from training.models import AggGnnCnn
from training.safetensors_io import read_safetensors, write_safetensors
from training.train_agg import held_actions, slot_rates


def main(argv=None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--controller", help="controller.dll: also compare the data with `controller scenario export` + prepare_agg")
    args = p.parse_args(argv)

    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    init, meta = read_safetensors(os.path.join(args.dir, "init.safetensors"))
    data, _ = read_safetensors(os.path.join(args.dir, "batch.safetensors"))
    hops, p0 = int(meta["hops"]), float(meta["p0"])
    lr, dual_step, decay = float(meta["lr"]), float(meta["dual_step"]), float(meta["baseline_decay"])
    target_on, steps = float(meta["target_on"]), int(meta["steps"])

    model = AggGnnCnn(hops, scale=torch.from_numpy(init["scale"]), p0=p0)
    names = [name for name, _ in model.named_parameters()]
    model.load_state_dict({name: torch.from_numpy(init[name].copy()) for name in names})
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    baseline = torch.from_numpy(init["baseline"].copy())
    baseline[torch.from_numpy(init["baseline_visited"]) < 0.5] = float("nan")
    mu = float(init["mu"][0])
    sequences = torch.from_numpy(data["sequences"])
    snr_gains = torch.from_numpy(data["snr_gains"])
    active = torch.from_numpy(data["active"]) > 0.5
    deciding_all = torch.from_numpy(data["deciding"]) > 0.5

    out = {}
    for k in range(steps):
        index = torch.from_numpy(data[f"index.{k}"]).long()
        draws = torch.from_numpy(data[f"draws.{k}"])
        # train_agg.train's iteration, with the C# trainer's draws instead of torch.bernoulli(q.detach(), generator).
        logits = model.logits(sequences[index] / model.scale)
        q = torch.sigmoid(logits)
        assert draws.shape == q.shape
        deciding = deciding_all[index]
        on = held_actions(draws, deciding, active[index])
        rates = slot_rates(snr_gains[index], on, p0)  # observed, not differentiated
        transmitting = on.sum(-1)
        reward = rates.sum(-1) - mu * (transmitting - target_on)  # [B, S]
        b = baseline[index]
        b = torch.where(torch.isnan(b), reward, b)
        advantage = reward - b
        baseline[index] = decay * b + (1 - decay) * reward
        log_psi = (deciding * (draws * -F.softplus(-logits) + (1 - draws) * -F.softplus(logits))).sum(-1)
        loss = -(advantage * log_psi).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        mu = max(0.0, mu + dual_step * (transmitting.mean().item() - target_on))
        for name, parameter in model.named_parameters():
            out[f"{name}.step{k}"] = parameter.detach().numpy().copy()
            out[f"grad.{name}.step{k}"] = parameter.grad.numpy().copy()
        out[f"loss.step{k}"] = np.array([loss.item()], dtype=np.float32)
        out[f"mu.step{k}"] = np.array([mu], dtype=np.float32)
    visited = ~torch.isnan(baseline)
    out["baseline"] = torch.where(visited, baseline, torch.zeros_like(baseline)).numpy()
    out["baseline_visited"] = visited.float().numpy()
    write_safetensors(os.path.join(args.dir, "python.safetensors"), out)

    report = {"torch": torch.__version__, "mu": mu}
    # The input scale as train_agg computes it, from the same (C#) sequences.
    scale = sequences.abs().double().mean(dim=(0, 1, 2))
    scale = torch.where(scale > 0, scale, torch.ones_like(scale)).float()
    report["scaleMaxAbsDiff"] = float((scale - torch.from_numpy(init["scale"])).abs().max())
    if args.controller:
        report["data"] = compare_data(args.controller, meta, data)
    with open(os.path.join(args.dir, "python.json"), "w") as f:
        json.dump(report, f, indent=2)
    print(json.dumps(report))
    return 0


def compare_data(controller: str, meta: dict, data: dict) -> dict:
    """Exports the C# set's scenario, settings, seed and counts with the controller CLI and compares prepare_agg's arrays."""
    settings = json.loads(meta["settings"])
    with tempfile.TemporaryDirectory() as tmp:
        path = ensure_export(controller, "agg-gnn", settings, int(meta["seed"]), int(meta["configurations"]), int(meta["slots"]),
                             os.path.join(tmp, "export.json"))
        agg = prepare_agg(load_export(path, cache=False))
    result = {"p0": agg.p0, "budget": agg.budget, "hops": agg.hops, "eta0": agg.eta0}
    for name, mine in (("sequences", agg.sequences), ("snr_gains", agg.snr_gains), ("active", agg.active.float()),
                       ("deciding", agg.deciding.float())):
        theirs = torch.from_numpy(data[name])
        result[name] = {"shapeEqual": list(mine.shape) == list(theirs.shape),
                        "unequal": int((mine.float() != theirs).sum()) if mine.shape == theirs.shape else -1,
                        "maxRelDiff": float(((mine.double() - theirs.double()).abs() / theirs.double().abs().clamp(min=1e-30)).max())
                        if mine.shape == theirs.shape else None}
    return result


if __name__ == "__main__":
    sys.exit(main())
