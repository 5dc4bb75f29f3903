"""One optimizer step of the PyTorch resilient trainer from inputs written by the C# parity test.

Reads `inputs.safetensors` (the batch, lambda, the REINFORCE baseline, the uniform draws of every slot and the rollout
settings as metadata) and `init.safetensors` (the initial weights), runs `training.train_resilient.rollout` itself
(per-slot backward) with `select_users` replaced by one that takes each slot's Gumbel-max draws from the file instead of
a generator, then `torch.optim.Adam.step()`, and writes `python.safetensors`: the updated weights (artifact names), the
gradients (`<name>.grad`), the updated network's powers and selection probabilities on the batch's first slot, the rates, powers, baseline after the rollout and the mean |advantage|.

    PYTHONPATH=src /usr/bin/python3 tests/Controller.Learning.Tests/parity/resilient_step.py DIR
"""

from __future__ import annotations

import math
import os
import sys

import torch

import training.train_resilient as trainer
from training.models import ResilientGnn, select_users
from training.safetensors_io import read_safetensors, write_safetensors


def main(directory: str) -> int:
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    inputs, meta = read_safetensors(os.path.join(directory, "inputs.safetensors"))
    init, _ = read_safetensors(os.path.join(directory, "init.safetensors"))
    t = {name: torch.from_numpy(value) for name, value in inputs.items()}

    model = ResilientGnn()
    model.load_state_dict({name: torch.from_numpy(value) for name, value in init.items()})

    draws = iter(t["draws"])  # [T, B, n]: slot t's uniform draws

    def replayed_select_users(log_pi, cells, generator=None, sample=True):
        if not sample:
            return select_users(log_pi, cells, sample=False)
        u = next(draws)
        # models.select_users's Gumbel-max step with u from the file instead of torch.rand.
        scores = log_pi - torch.log(-torch.log(u.clamp(min=1e-12)))
        return select_users(scores, cells, sample=False)

    trainer.select_users = replayed_select_users
    batch = {"snr_gains": t["snr_gains"], "cells": t["cells"], "active": t["active"] > 0, "fhat": t["fhat"],
             "fbar0": t["fbar0"], "edge_weights": t["edge_weights"]}
    baseline = torch.where(t["baseline_unset"] > 0, torch.full_like(t["baseline"], math.nan), t["baseline"])
    optimizer = torch.optim.Adam(model.parameters(), lr=float(meta["lr"]))
    optimizer.zero_grad(set_to_none=True)
    result = trainer.rollout(model, batch, float(meta["pmax"]), sample=True, weights=t["weights"], baseline=baseline,
                             decay=float(meta["decay"]), pf_weights=meta["utility"] == "pf", follow=meta["follow"],
                             pf_floor=float(meta["pf_floor"]), fairness=float(meta["fairness"]))
    gradients = {f"{name}.grad": p.grad.detach().clone() for name, p in model.named_parameters()}
    optimizer.step()
    if next(draws, None) is not None:
        raise SystemExit("not every slot's draws were used")

    with torch.no_grad():
        # The updated network on the batch's first scored slot (features from the warm-up averages).
        features = torch.log1p(batch["fhat"][:, 0] / batch["fbar0"].clamp(min=1e-9)) * batch["active"][:, 0]
        power, log_pi = model(features, batch["edge_weights"][:, 0], batch["cells"], batch["active"][:, 0], float(meta["pmax"]))

    out = {name: p.detach() for name, p in model.named_parameters()}
    out["after.power"] = power
    out["after.pi"] = log_pi.exp()
    out.update(gradients)
    out["rates"] = result["rates"]
    out["power"] = result["power"]
    out["baseline_after"] = baseline
    out["advantage"] = torch.tensor([result["advantage"]])
    write_safetensors(os.path.join(directory, "python.safetensors"), {k: v.numpy() for k, v in out.items()},
                      {"torch": torch.__version__})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
