"""Model-free primal-dual training of paper 004's Agg-GNN (spec: shared/specs/agg-gnn.md).

Each transmitter i sees only its aggregation sequence y_i(t) (Algorithm 1 over the sparsified shift with
x_i(t) = log2(1 + p0 G_ii / N0)), which does not depend on the policy, so the sequences of every training
slot are computed once. The CNN gives q_i = P(transmit at p0); actions are Bernoulli draws.

- Primal: REINFORCE on the per-slot Lagrangian reward
  `R(t) = sum_i f_i(t) - mu (sum_i a_i(t) - budget / p0)` with
  `grad log Psi = sum_i grad [a_i log q_i + (1 - a_i) log(1 - q_i)]` (the spec's
  `(a_i - q_i) / (q_i (1 - q_i)) grad q_i`), minus a moving-average baseline kept per training slot
  (`b <- d b + (1 - d) R` each time that slot is drawn): a slot's channels are the same at every visit, so
  the baseline tracks the value of that state. Rates are only observed, never differentiated.
- Dual: `mu = max(0, mu + eps_mu (mean_t sum_i a_i(t) - budget / p0))` after every iteration (power in
  units of p0, so mu is in bps/Hz per transmitter), against `(1 - margin)` of the budget so that the
  average stays under it on unseen configurations (the Bernoulli draws and new channels move the mean power
  by about 1-2 %).
- An iteration is a batch of episodes (configurations, all their training slots); an epoch is one pass
  over the training configurations. The model kept is the best validation sum rate whose validation mean
  power meets the budget.

    PYTHONPATH=src /usr/bin/python3 -m training.train_agg --out DIR --seed 1 [--epochs N] [--awake P]
"""

from __future__ import annotations

import argparse
import copy
import math
import os
import shlex
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from . import FORMAT
from .artifact import code_version, save_artifact, utc_now
from .data import (AggSet, controller_eval, default_controller, default_data_dir, ensure_export, load_export,
                   prepare_agg)
from .models import AggGnnCnn

SCENARIO = "agg-gnn"


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="training.train_agg", description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True, help="artifact directory to write")
    p.add_argument("--name", help="artifact name (default agg-gnn-m<pairs>)")
    p.add_argument("--seed", type=int, default=1, help="training seed (weights, batches, Bernoulli draws)")
    p.add_argument("--epochs", type=int, default=2000, help="passes over the training configurations")
    p.add_argument("--batch", type=int, default=64, help="episodes (configurations) per iteration")
    p.add_argument("--lr", type=float, default=3e-3,
                   help="Adam learning rate (the spec's 1e-2 saturates q at 1 within a few iterations, before the dual reacts)")
    p.add_argument("--lr-halve-every", type=int, default=0,
                   help="halve the learning rate every N epochs (0: constant)")
    p.add_argument("--dual-step", type=float, default=1e-2, help="eps_mu (power in units of p0)")
    p.add_argument("--budget-margin", type=float, default=0.05, help="train against (1 - margin) x the power budget")
    p.add_argument("--select-power", type=float, default=0.98,
                   help="model selection only among epochs whose validation mean power is within this fraction of the budget")
    p.add_argument("--baseline-decay", type=float, default=0.9, help="decay d of the per-slot moving-average baseline")
    p.add_argument("--pairs", type=int, default=25)
    p.add_argument("--delta", type=float, default=0.3)
    p.add_argument("--hops", type=int, help="K (the scenario's hops setting; default: the export's, else 5)")
    p.add_argument("--awake", type=float, default=1.0,
                   help="probability that a pair is awake in a slot (the scenario's awake setting; < 1: paper 004's "
                        "asynchronous setting, asleep pairs send nothing and keep their last action)")
    p.add_argument("--edge-threshold", type=float,
                   help="eta0 (the scenario's edgeThreshold setting; default: the export's, else 0)")
    p.add_argument("--train-slots", type=int, default=50, help="slots per training configuration")
    p.add_argument("--slots", type=int, default=100, help="slots per validation / test configuration (eval's default)")
    p.add_argument("--train-seed", type=int, default=11)
    p.add_argument("--val-seed", type=int, default=12)
    p.add_argument("--test-seed", type=int, default=13)
    p.add_argument("--train-configs", type=int, default=256)
    p.add_argument("--val-configs", type=int, default=64)
    p.add_argument("--test-configs", type=int, default=128, help="0: no test evaluation")
    p.add_argument("--train-file")
    p.add_argument("--val-file")
    p.add_argument("--test-file")
    p.add_argument("--baselines", default="equal-power,random-full-power,wmmse:{K},wmmse-budget:{K},full-reuse",
                   help="controller policies evaluated on the test seed ({K} = hops; '' for none)")
    p.add_argument("--data-dir", default=default_data_dir())
    p.add_argument("--controller", default=default_controller())
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--quiet", action="store_true")
    return p.parse_args(argv)


def settings_of(args) -> dict:
    hops = 5 if args.hops is None else args.hops
    eta0 = 0.0 if args.edge_threshold is None else args.edge_threshold
    settings = {"pairs": args.pairs, "delta": args.delta, "hops": hops, "edgeThreshold": eta0}
    if args.awake < 1:
        settings["awake"] = args.awake
    return settings


def activity_of(dataset: AggSet) -> str:
    """How the training data's nodes woke, for the manifest: from the export's own settings."""
    awake = float(dataset.export.settings.get("awake", 1))
    if awake >= 1:
        return "synchronous (all nodes active)"
    return (f"asynchronous: each pair awake with probability {awake} per slot; asleep pairs send nothing and keep "
            f"their last action")


def held_actions(draws: torch.Tensor, deciding: torch.Tensor, active: torch.Tensor) -> torch.Tensor:
    """What each link transmits per slot ([B, S, m] in {0, 1}), as the controller executes it: a deciding node
    (active and awake) its draw, an inactive link nothing, an asleep one its action of the slot before (off before
    its first decision). Every slot is a forward fill from the last slot that set the action."""
    slots = draws.shape[1]
    t = torch.arange(slots).view(1, slots, 1).expand_as(draws)
    sets = deciding | ~active
    last = torch.where(sets, t, torch.full_like(t, -1)).cummax(dim=1).values
    values = torch.where(deciding, draws, torch.zeros_like(draws))
    held = torch.gather(values, 1, last.clamp(min=0))
    return torch.where(last >= 0, held, torch.zeros_like(held))


def slot_rates(snr_gains: torch.Tensor, on: torch.Tensor, p0: float) -> torch.Tensor:
    """Rates [..., m] of one-to-one links (receiver i served by transmitter i, noise 1) when `on` [..., m]
    says who transmits at p0: the controller's SINR with the interference summed over the others."""
    power = p0 * on
    received = snr_gains * power.unsqueeze(-2)
    m = on.shape[-1]
    eye = torch.eye(m, dtype=received.dtype)
    signal = (received * eye).sum(-1)
    interference = (received * (1 - eye)).sum(-1)
    return torch.log2(1 + signal / (1 + interference))


def evaluate(model: AggGnnCnn, dataset: AggSet, seed: int, batch: int = 64) -> dict:
    """Executes the policy as the controller does (Bernoulli draws at every slot from slot 0) with a fixed
    draw seed; returns sumRate, meanRate, p5Rate (over time-averaged per-node rates) and meanPower."""
    generator = torch.Generator().manual_seed(seed)
    node_rates, power = [], []
    with torch.no_grad():
        for start in range(0, dataset.configurations, batch):
            index = slice(start, min(start + batch, dataset.configurations))
            q = model(dataset.sequences[index])
            on = held_actions(torch.bernoulli(q, generator=generator), dataset.deciding[index], dataset.active[index])
            rates = slot_rates(dataset.snr_gains[index], on, dataset.p0)
            node_rates.append(rates.mean(1).double().numpy())
            power.append((on.sum(-1) * dataset.p0).double().mean(1).numpy())
    node_rates = np.concatenate(node_rates)
    flat = node_rates.reshape(-1)
    return {"sumRate": float(node_rates.sum(-1).mean()), "meanRate": float(flat.mean()),
            "p5Rate": float(np.percentile(flat, 5)), "meanPower": float(np.concatenate(power).mean()),
            "powerBudget": dataset.budget}


def _export(args, role: str, seed: int, configs: int, slots: int) -> str:
    given = getattr(args, f"{role}_file")
    if given:
        return given
    s = settings_of(args)
    awake = f"-awake{s['awake']}" if "awake" in s else ""
    path = os.path.join(args.data_dir, f"{SCENARIO}-m{s['pairs']}-d{s['delta']}-K{s['hops']}-eta{s['edgeThreshold']}"
                                       f"{awake}-seed{seed}-c{configs}-s{slots}.json")
    return ensure_export(args.controller, SCENARIO, s, seed, configs, slots, path)


def _load(args, path: str) -> AggSet:
    return prepare_agg(load_export(path), hops=args.hops, eta0=args.edge_threshold)


def train(args: argparse.Namespace) -> dict:
    started = time.time()
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    torch.manual_seed(args.seed)
    generator = torch.Generator().manual_seed(args.seed)
    log = (lambda *a: None) if args.quiet else (lambda *a: print(*a, flush=True))

    train_set = _load(args, _export(args, "train", args.train_seed, args.train_configs, args.train_slots))
    # The file's settings decide K and eta0 unless given; validation and test use the same.
    args.hops, args.edge_threshold = train_set.hops, train_set.eta0
    val_set = _load(args, _export(args, "val", args.val_seed, args.val_configs, args.slots))
    p0, budget = train_set.p0, train_set.budget
    target_on = (1 - args.budget_margin) * budget / p0
    data_seconds = time.time() - started
    log(f"data: train {train_set.configurations} configurations x {train_set.snr_gains.shape[1]} slots (seed "
        f"{train_set.export.seed}), validation {val_set.configurations} x {val_set.snr_gains.shape[1]} (seed "
        f"{val_set.export.seed}); K = {train_set.hops}, eta0 = {train_set.eta0}, p0 = {p0}, budget = {budget}; "
        f"loaded in {data_seconds:.1f} s")

    # Inputs are scaled per position by their mean over the training data, fixed in the manifest.
    scale = train_set.sequences.abs().double().mean(dim=(0, 1, 2))
    scale = torch.where(scale > 0, scale, torch.ones_like(scale)).float()
    model = AggGnnCnn(train_set.hops, scale=scale, p0=p0)
    model.reset_near_identity(generator)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    configs, slots = train_set.configurations, train_set.snr_gains.shape[1]
    baseline = torch.full((configs, slots), math.nan)
    mu = 0.0
    history = []
    best = None
    iteration = 0
    for epoch in range(1, args.epochs + 1):
        t0 = time.time()
        if args.lr_halve_every > 0 and epoch > 1 and (epoch - 1) % args.lr_halve_every == 0:
            for group in optimizer.param_groups:
                group["lr"] *= 0.5
        order = torch.randperm(configs, generator=generator)
        sums, powers, advantages = [], [], []
        for start in range(0, configs, args.batch):
            index = order[start:start + args.batch]
            logits = model.logits(train_set.sequences[index] / model.scale)
            q = torch.sigmoid(logits)
            draws = torch.bernoulli(q.detach(), generator=generator)
            deciding = train_set.deciding[index]
            on = held_actions(draws, deciding, train_set.active[index])
            rates = slot_rates(train_set.snr_gains[index], on, p0)  # observed, not differentiated
            transmitting = on.sum(-1)
            reward = rates.sum(-1) - mu * (transmitting - target_on)  # [B, S]
            b = baseline[index]
            b = torch.where(torch.isnan(b), reward, b)
            advantage = reward - b
            baseline[index] = args.baseline_decay * b + (1 - args.baseline_decay) * reward
            # Only the nodes that drew this slot took an action of the policy.
            log_psi = (deciding * (draws * -F.softplus(-logits) + (1 - draws) * -F.softplus(logits))).sum(-1)
            loss = -(advantage * log_psi).mean()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            mu = max(0.0, mu + args.dual_step * (transmitting.mean().item() - target_on))
            iteration += 1
            sums.append(rates.sum(-1).mean().item())
            powers.append(transmitting.mean().item() * p0)
            advantages.append(advantage.abs().mean().item())
        val = evaluate(model, val_set, seed=args.seed + 1_000_003)
        row = {"epoch": epoch, "iteration": iteration, "train_sum_rate": float(np.mean(sums)),
               "train_power": float(np.mean(powers)), "val_sum_rate": val["sumRate"], "val_power": val["meanPower"],
               "budget": budget, "mu": mu, "violation": max(0.0, val["meanPower"] - budget) / budget,
               "baseline_abs_advantage": float(np.mean(advantages)), "seconds": time.time() - t0}
        history.append(row)
        feasible = val["meanPower"] <= args.select_power * budget
        better = (best is None or (feasible and (not best["feasible"] or val["sumRate"] > best["val"]["sumRate"]))
                  or (not feasible and not best["feasible"] and val["meanPower"] < best["val"]["meanPower"]))
        if better:
            best = {"epoch": epoch, "val": val, "feasible": feasible, "state": copy.deepcopy(model.state_dict())}
        log(f"epoch {epoch:4d} (iteration {iteration})  train sum rate {row['train_sum_rate']:.3f} power "
            f"{row['train_power']:.0f}  val sum rate {val['sumRate']:.3f} power {val['meanPower']:.0f} / {budget:.0f}  "
            f"mu {mu:.4f}  violation {row['violation']:.4f}  |A| {row['baseline_abs_advantage']:.3f}  {row['seconds']:.2f} s")

    model.load_state_dict(best["state"])
    model.eval()
    wall = time.time() - started
    name = args.name or f"agg-gnn-m{args.pairs}"
    settings = {k: str(v) for k, v in settings_of(args).items()}
    manifest = {
        "format": FORMAT,
        "name": name,
        "architecture": "agg-gnn",
        "hyperparameters": model.hyperparameters,
        "inputs": {"state": "log2(1 + p0 G_ii / N0)", "scale": [float(s) for s in model.scale],
                   "edgeThreshold": train_set.eta0,
                   "activity": activity_of(train_set)},
        "training": {
            "scenario": SCENARIO, "settings": settings, "seed": args.seed,
            "data": {"train": train_set.export.describe(), "validation": val_set.export.describe()},
            "configurations": {"train": train_set.configurations, "validation": val_set.configurations},
            "epochs": args.epochs, "iterations": iteration, "batchEpisodes": args.batch,
            "episode": f"one configuration, all {slots} training slots", "wallSeconds": round(wall, 1),
            "dataSeconds": round(data_seconds, 1), "threads": args.threads,
            "optimizer": "adam", "learningRate": args.lr,
            "learningRateSchedule": (f"halved every {args.lr_halve_every} epochs" if args.lr_halve_every > 0 else "constant"),
            "dualStep": args.dual_step,
            "budgetMargin": args.budget_margin, "selectPower": args.select_power, "powerUnit": "p0 (mu in bps/Hz per transmitter)",
            "gradient": f"REINFORCE on sum rate - mu (transmitters - budget), moving-average baseline per training "
                        f"slot (decay {args.baseline_decay})",
            "command": "PYTHONPATH=src /usr/bin/python3 -m training.train_agg " + shlex.join(getattr(args, "argv", [])),
        },
        "validation": {"sumRate": best["val"]["sumRate"], "meanRate": best["val"]["meanRate"],
                       "p5Rate": best["val"]["p5Rate"], "meanPower": best["val"]["meanPower"], "powerBudget": budget,
                       "bestEpoch": best["epoch"],
                       "selection": f"best validation sum rate with mean power within {args.select_power} x the budget"},
        "codeVersion": code_version(),
        "createdUtc": utc_now(),
    }
    if args.test_configs > 0 or args.test_file:
        test_set = _load(args, _export(args, "test", args.test_seed, args.test_configs, args.slots))
        test = evaluate(model, test_set, seed=args.seed + 2_000_003)
        evaluation = {"data": test_set.export.describe(), "model": test, "baselines": {}}
        for policy in [p.replace("{K}", str(train_set.hops)) for p in args.baselines.split(",") if p]:
            metrics = controller_eval(args.controller, SCENARIO, settings_of(args), policy, test_set.export.seed,
                                      test_set.configurations, test_set.export.slots)
            evaluation["baselines"][policy] = {k: metrics[k] for k in ("sumRate", "meanRate", "p5Rate", "meanPower", "powerBudget")}
        manifest["evaluation"] = evaluation
        log(f"test (seed {test_set.export.seed}, {test_set.configurations} configurations): sum rate {test['sumRate']:.3f} "
            f"power {test['meanPower']:.0f} / {budget:.0f}" +
            "".join(f"; {p}: {m['sumRate']:.3f} ({m['meanPower']:.0f})" for p, m in evaluation["baselines"].items()))
    save_artifact(args.out, model, manifest, history,
                  curves=[("sum rate (bps/Hz)", ["train_sum_rate", "val_sum_rate"]), ("mean power", ["train_power", "val_power", "budget"]),
                          ("budget dual mu", ["mu"]), ("constraint violation (val)", ["violation"])])
    log(f"wrote {args.out} (best epoch {best['epoch']}, validation sum rate {best['val']['sumRate']:.3f}, power "
        f"{best['val']['meanPower']:.0f}); wall time {wall:.1f} s")
    return {"manifest": manifest, "history": history, "model": model}


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    args.argv = argv
    try:
        train(args)
    except (OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
