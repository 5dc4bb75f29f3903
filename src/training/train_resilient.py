"""Primal-dual training of paper 003's resilient GNN (spec: shared/specs/resilient-rrm.md).

Each configuration runs its scored slots (after the controller's warm-up) slot by slot exactly as
`controller eval` does: node features from the PF averages, the GNN decides powers and selection
probabilities, rates follow the controller's formula, the averages are updated with the achieved rates.

- Power head: model-based gradient ascent on `sum_j w_j Ehat f_j` through the rate formula.
- Selection head: REINFORCE on the per-slot reward `R_t = sum_j w_j f_j(t)` with `log pi(t)` = sum over
  cells of the log-probability of the sampled user, and a moving-average baseline per training
  configuration (`b <- d b + (1 - d) R_t` after each slot, carried over epochs, started at the first reward).
- Duals: the simplified form of the authors' code, `x := Ehat f`, `lambda = 1 + mu` (so `w = 1 + mu`),
  per training configuration and user, updated after each batch in the order
  `z = max(0, z + eta_z (mu - alpha z))`, `mu = max(0, mu + eta_mu (fmin - z - x))` (the README's sign
  convention: mu grows while the constraint is violated). `--mu-zero` keeps mu = 0 (no minimum rate).
- At execution the controller serves the user with the largest pi; validation and test do the same.

    PYTHONPATH=src /usr/bin/python3 -m training.train_resilient --out DIR --seed 1 [--epochs N] [--mu-zero] [--fmin X] [--workers 2]
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

from . import FORMAT
from .artifact import code_version, headless_pyplot, save_artifact, utc_now
from .data import (PF_AVERAGE_FLOOR, PF_BETA, ResilientSet, controller_eval, default_controller, default_data_dir,
                   ensure_export, load_export, prepare_resilient, rate_statistics, rates_torch, served_mask_from)
from .models import ResilientGnn, select_users
from .parallel import DataParallel

SCENARIO = "resilient-rrm"


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="training.train_resilient", description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True, help="artifact directory to write")
    p.add_argument("--name", help="artifact name (default resilient-gnn-m<aps>-n<users>[-mu0])")
    p.add_argument("--seed", type=int, default=1, help="training seed (weights, shuffling, sampling)")
    p.add_argument("--epochs", type=int, default=60)
    p.add_argument("--batch", type=int, default=32, help="configurations per step (paper: 64)")
    p.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate of the GNN")
    p.add_argument("--dual-step", type=float, default=0.05,
                   help="eta_z = eta_mu per epoch (the authors' 1 acts on the mean over a batch of 64, i.e. 1/64 per "
                        "configuration, over 400 epochs; 0.05 gives the duals a comparable range in fewer epochs)")
    p.add_argument("--halve-every", type=int, default=0, help="halve all steps every N epochs (0: epochs/4, at least 1)")
    p.add_argument("--alpha", type=float, default=1e-2, help="slack cost alpha")
    p.add_argument("--baseline-decay", type=float, default=0.9, help="decay d of the REINFORCE moving-average baseline")
    p.add_argument("--mu-zero", action="store_true", help="no minimum-rate constraint (mu = 0)")
    p.add_argument("--utility", choices=("sum", "pf"), default="pf",
                   help="U(x): 'sum' = sum of rates (paper 003, lambda = 1 + mu); 'pf' = sum of log rates with the "
                        "per-slot marginal utility 1/fbar_j(t) (lambda_j(t) = 1/fbar_j(t) + mu_j)")
    p.add_argument("--follow", choices=("greedy", "sampled"), default="sampled",
                   help="training trajectory and power objective: execution selection (greedy) or sampled (paper)")
    p.add_argument("--pf-floor", type=float, default=0.05,
                   help="utility pf: 1/fbar uses max(fbar, floor), so that never-served users do not dominate a slot's reward")
    p.add_argument("--fairness", type=float, default=1.0,
                   help="utility pf: alpha of the alpha-fair utility, marginal utility fbar^-alpha (1 = proportional fair)")
    p.add_argument("--power-init", type=float, default=3.0,
                   help="initial power.bias (logit of p/Pmax; 3 starts near full reuse)")
    p.add_argument("--fmin", type=float,
                   help="per-user minimum rate f_min in bps/Hz, passed to the scenario export (default: the scenario's, "
                        "paper 003's 1 bps/Hz); the channels do not depend on it")
    p.add_argument("--aps", type=int, default=4)
    p.add_argument("--users", type=int, default=40)
    p.add_argument("--slots", type=int, default=200, help="slots per configuration, warm-up included")
    p.add_argument("--train-seed", type=int, default=11)
    p.add_argument("--val-seed", type=int, default=12)
    p.add_argument("--test-seed", type=int, default=13)
    p.add_argument("--train-configs", type=int, default=256)
    p.add_argument("--val-configs", type=int, default=128)
    p.add_argument("--test-configs", type=int, default=128, help="0: no test evaluation")
    p.add_argument("--train-file", help="use this export instead of exporting (train)")
    p.add_argument("--val-file", help="use this export instead of exporting (validation)")
    p.add_argument("--test-file", help="use this export instead of exporting (test)")
    p.add_argument("--baselines", default="full-reuse,wmmse,itlinq", help="controller policies evaluated on the test seed ('' for none)")
    p.add_argument("--data-dir", default=default_data_dir())
    p.add_argument("--controller", default=default_controller(), help="controller.dll (or executable) for exports and baselines")
    p.add_argument("--threads", type=int, default=1, help="torch threads (a run is reproducible for a fixed count)")
    p.add_argument("--workers", type=int, default=1,
                   help="processes a step's configurations are split over (this one and W-1 forked children, each with "
                        "--threads threads); a run is reproducible for a fixed count, 1 reproduces the committed artifacts")
    p.add_argument("--quiet", action="store_true")
    return p.parse_args(argv)


def rollout(model: ResilientGnn, batch: dict, pmax: float, sample: bool, generator: torch.Generator | None = None,
            weights: torch.Tensor | None = None, baseline: torch.Tensor | None = None, decay: float = 0.9,
            pf_weights: bool = False, follow: str = "greedy", pf_floor: float = 0.01, fairness: float = 1.0,
            total: int | None = None) -> dict:
    """Runs the scored slots of a batch of configurations.

    Without `weights` (or without gradients) it only executes: selection sampled from pi (`sample`) or the
    largest pi. With `weights` (w = lambda, [B, n]) it also learns, backpropagating each slot's objective at
    once (each slot's graph is freed before the next):
    - REINFORCE: a selection sampled from pi, its reward `R_t = sum_j w_j f_j(t)` (observed rates) minus the
      moving-average baseline `baseline` [B] (NaN = unset, updated in place), times `log pi(sampled)`;
    - power: `sum_j w_j f_j(t)` differentiated through the rate formula, for the selection the trajectory
      follows.
    `follow` = "greedy": the trajectory (PF averages, hence features) and the power objective use the
    execution policy's selection (largest pi), so the power head learns for the users the controller will
    serve; the sampled selection is only scored for REINFORCE at the same state. "sampled": the trajectory
    follows the sampled selection (the paper's training). The objective is normalized by `total`
    configurations (default: this batch's), so parts of one batch run apart sum to the whole batch's gradient.
    Returns the followed trajectory's per-slot rates [B, T, n], powers [B, T, m] and the mean |advantage|."""
    gains, cells, active = batch["snr_gains"], batch["cells"], batch["active"]
    fhat, edge_weights = batch["fhat"], batch["edge_weights"]
    b, slots, n, m = gains.shape
    average = batch["fbar0"].clone()
    all_rates = torch.zeros(b, slots, n)
    all_power = torch.zeros(b, slots, m)
    learn = weights is not None and torch.is_grad_enabled()
    advantages = []
    for t in range(slots):
        act = active[:, t]
        features = torch.log1p(fhat[:, t] / average.clamp(min=PF_AVERAGE_FLOOR)) * act
        power, log_pi = model(features, edge_weights[:, t], cells, act, pmax)
        if not learn:
            served = select_users(log_pi.detach(), cells, generator, sample=sample)
            rates = rates_torch(gains[:, t], cells, served_mask_from(served, n), power)
        else:
            w = weights + average.clamp(min=pf_floor) ** -fairness if pf_weights else weights
            sampled = served_mask_from(select_users(log_pi.detach(), cells, generator, sample=True), n)
            sampled_rates = rates_torch(gains[:, t], cells, sampled, power)
            if follow == "greedy":
                rates = rates_torch(gains[:, t], cells, served_mask_from(select_users(log_pi.detach(), cells, sample=False), n), power)
                r = (w * sampled_rates.detach()).sum(-1)
            else:
                rates = sampled_rates
                r = (w * rates.detach()).sum(-1)
            if baseline is not None:
                baseline.copy_(torch.where(torch.isnan(baseline), r, baseline))
                advantage = r - baseline
                baseline.mul_(decay).add_((1 - decay) * r)
            else:
                advantage = r
            log_prob = torch.where(sampled > 0, log_pi, torch.zeros_like(log_pi)).sum(-1)
            objective = ((w * rates).sum(-1) + advantage * log_prob).sum() / ((total or b) * slots)
            (-objective).backward()
            advantages.append(advantage.abs().mean().item())
        rates = rates.detach()
        average = (1 - PF_BETA) * average + PF_BETA * rates
        all_rates[:, t] = rates
        all_power[:, t] = power.detach()
    return {"rates": all_rates, "power": all_power, "advantage": float(np.mean(advantages)) if advantages else 0.0}


def evaluate_part(model: ResilientGnn, dataset: ResilientSet, pmax: float, index: torch.Tensor) -> np.ndarray:
    """`evaluate` on the configurations `index` in one batch."""
    with torch.no_grad():
        return rollout(model, dataset.batch(index), pmax, sample=False)["rates"].mean(1).numpy().astype(np.float64)


def evaluate(model: ResilientGnn, dataset: ResilientSet, pmax: float, batch: int = 128) -> np.ndarray:
    """Per-user rates averaged over the scored slots [C, n] with the execution policy (largest pi)."""
    out = []
    with torch.no_grad():
        for start in range(0, dataset.configurations, batch):
            index = slice(start, min(start + batch, dataset.configurations))
            out.append(rollout(model, dataset.batch(index), pmax, sample=False)["rates"].mean(1).numpy())
    return np.concatenate(out).astype(np.float64)


def _export(args, role: str, seed: int, configs: int) -> str:
    given = getattr(args, f"{role}_file")
    if given:
        return given
    settings = _settings(args)
    demand = "" if args.fmin is None else f"-fmin{args.fmin:g}"
    path = os.path.join(args.data_dir, f"{SCENARIO}-m{args.aps}-n{args.users}{demand}-seed{seed}-c{configs}-s{args.slots}.json")
    return ensure_export(args.controller, SCENARIO, settings, seed, configs, args.slots, path)


def _settings(args) -> dict:
    settings = {"aps": args.aps, "users": args.users}
    if args.fmin is not None:
        settings["fmin"] = f"{args.fmin:g}"
    return settings


def _load(path: str, expected_seed: int, role: str) -> ResilientSet:
    export = load_export(path)
    if export.seed != expected_seed:
        print(f"note: {role} export {path} has seed {export.seed}", file=sys.stderr)
    return prepare_resilient(export)


def train(args: argparse.Namespace) -> dict:
    started = time.time()
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    torch.manual_seed(args.seed)
    generator = torch.Generator().manual_seed(args.seed)
    log = (lambda *a: None) if args.quiet else (lambda *a: print(*a, flush=True))

    train_set = _load(_export(args, "train", args.train_seed, args.train_configs), args.train_seed, "train")
    val_set = _load(_export(args, "val", args.val_seed, args.val_configs), args.val_seed, "validation")
    export = train_set.export
    pmax = export.pmax
    data_seconds = time.time() - started
    log(f"data: train {train_set.configurations} configurations (seed {export.seed}), validation "
        f"{val_set.configurations} (seed {val_set.export.seed}), {export.slots - export.warmup} scored slots after "
        f"{export.warmup} warm-up slots; loaded in {data_seconds:.1f} s")

    model = ResilientGnn()
    with torch.no_grad():
        model.power.bias.fill_(args.power_init)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    halve_every = args.halve_every or max(1, args.epochs // 4)
    configs, users = train_set.configurations, train_set.snr_gains.shape[2]
    mu = torch.zeros(configs, users, dtype=torch.float64)
    slack = torch.zeros(configs, users, dtype=torch.float64)
    fmin = torch.from_numpy(np.asarray(train_set.fmin, dtype=np.float64))
    baseline = torch.full((configs,), math.nan)
    dual_step = args.dual_step
    history = []
    best = {"p5": -math.inf}

    def step_part(model_, index, weights, b, gen, total):
        result = rollout(model_, train_set.batch(index), pmax, sample=True, generator=gen, weights=weights, baseline=b,
                         decay=args.baseline_decay, pf_weights=args.utility == "pf", follow=args.follow,
                         pf_floor=args.pf_floor, fairness=args.fairness, total=total)
        return {"rates": result["rates"].mean(1).to(torch.float64), "power": result["power"].sum(-1).mean().item(),
                "advantage": result["advantage"]}

    parallel = None
    if args.workers > 1:
        parallel = DataParallel(args.workers, model, step_part, lambda model_, index: evaluate_part(model_, val_set, pmax, index),
                                seed=args.seed, threads=args.threads)
    for epoch in range(1, args.epochs + 1):
        t0 = time.time()
        model.train()
        order = torch.randperm(configs, generator=generator)
        epoch_rates = torch.zeros(configs, users, dtype=torch.float64)
        epoch_power = []
        advantages = []
        for start in range(0, configs, args.batch):
            index = order[start:start + args.batch]
            optimizer.zero_grad(set_to_none=True)
            weights = ((0 if args.utility == "pf" else 1) + mu[index]).to(torch.float32)
            b = baseline[index].clone()
            if parallel is None:
                result = step_part(model, index, weights, b, generator, None)
            else:
                result = parallel.step(index, weights, b, generator)
            optimizer.step()
            baseline[index] = b
            advantages.append(result["advantage"])
            x = result["rates"]  # Ehat f of this rollout
            epoch_rates[index] = x
            epoch_power.append(result["power"])
            if not args.mu_zero:
                # eq. 20 then eq. 22 (simplified form: x := Ehat f, lambda = 1 + mu), in this order.
                slack[index] = torch.clamp(slack[index] + dual_step * (mu[index] - args.alpha * slack[index]), min=0)
                mu[index] = torch.clamp(mu[index] + dual_step * (fmin[index] - slack[index] - x), min=0)
        model.eval()
        val_rates = evaluate(model, val_set, pmax) if parallel is None else parallel.evaluate(val_set.configurations)
        train_stats = rate_statistics(epoch_rates.numpy())
        val_stats = rate_statistics(val_rates)
        violation = torch.clamp(fmin - slack - epoch_rates, min=0).mean().item()
        row = {"epoch": epoch, "train_mean": train_stats["meanRate"], "train_p5": train_stats["p5Rate"],
               "val_mean": val_stats["meanRate"], "val_p5": val_stats["p5Rate"], "avg_slack": slack.mean().item(),
               "avg_mu": mu.mean().item(), "violation": violation, "train_power": float(np.mean(epoch_power)), "baseline_abs_advantage": float(np.mean(advantages)),
               "lr": optimizer.param_groups[0]["lr"], "dual_step": dual_step, "seconds": time.time() - t0}
        history.append(row)
        if val_stats["p5Rate"] > best["p5"]:
            best = {"p5": val_stats["p5Rate"], "mean": val_stats["meanRate"], "epoch": epoch, "state": copy.deepcopy(model.state_dict())}
        log(f"epoch {epoch:3d}  train mean {row['train_mean']:.4f} p5 {row['train_p5']:.4f}  "
            f"val mean {row['val_mean']:.4f} p5 {row['val_p5']:.4f}  slack {row['avg_slack']:.3f}  mu {row['avg_mu']:.3f}  "
            f"violation {violation:.4f}  power {row['train_power']:.1f}  |A| {row['baseline_abs_advantage']:.3f}  {row['seconds']:.1f} s")
        if epoch % halve_every == 0:
            for group in optimizer.param_groups:
                group["lr"] *= 0.5
            dual_step *= 0.5
    if parallel is not None:
        parallel.close()

    model.load_state_dict(best["state"])
    model.eval()
    wall = time.time() - started
    name = args.name or (f"resilient-gnn-m{args.aps}-n{args.users}" + ("" if args.fmin is None else f"-fmin{args.fmin:g}")
                         + ("-mu0" if args.mu_zero else ""))
    manifest = {
        "format": FORMAT,
        "name": name,
        "architecture": "resilient-gnn",
        "hyperparameters": model.hyperparameters,
        "inputs": {"nodeFeature": "pf-ratio", "transform": "log1p"},
        "training": {
            "scenario": SCENARIO, "settings": {k: str(v) for k, v in _settings(args).items()}, "seed": args.seed,
            "data": {"train": export.describe(), "validation": val_set.export.describe()},
            "configurations": {"train": train_set.configurations, "validation": val_set.configurations},
            "epochs": args.epochs, "batchConfigurations": args.batch, "wallSeconds": round(wall, 1),
            "dataSeconds": round(data_seconds, 1), "threads": args.threads, "workers": args.workers,
            "optimizer": "adam", "learningRate": args.lr, "halveEveryEpochs": halve_every,
            "duals": ("none: mu = 0 (no minimum-rate constraint), lambda is the utility's marginal alone" if args.mu_zero else
                      "simplified: x := Ehat f, lambda = U'(x) + mu (1 + mu for the sum utility); per training "
                      "configuration and user; z then mu updated after each batch"),
            "dualStep": args.dual_step, "alpha": args.alpha, "fmin": float(np.unique(train_set.fmin)[0]),
            "utility": ("sum of rates (paper 003): lambda = 1 + mu" if args.utility == "sum" else
                        f"alpha-fair with alpha = {args.fairness} (1 = proportional fair): lambda_j(t) = "
                        f"max(fbar_j(t), {args.pf_floor})^-{args.fairness} + mu_j"),
            "trajectory": ("execution selection (largest pi); REINFORCE scores a sampled selection at the same state"
                           if args.follow == "greedy" else "sampled selection (paper 003)"),
            "powerBiasInit": args.power_init, "baselineDecay": args.baseline_decay,
            "powerGradient": "model-based through the rate formula",
            "selectionGradient": f"REINFORCE, per-slot reward sum_j lambda_j f_j(t), moving-average baseline per "
                                 f"configuration (decay {args.baseline_decay}, carried over epochs)",
            "execution": "largest pi per cell (validation and test)",
            "command": "PYTHONPATH=src /usr/bin/python3 -m training.train_resilient " + shlex.join(getattr(args, "argv", [])),
        },
        "validation": {"meanRate": best["mean"], "p5Rate": best["p5"], "bestEpoch": best["epoch"],
                       "selection": "best validation 5th-percentile rate"},
        "codeVersion": code_version(),
        "createdUtc": utc_now(),
    }
    if args.test_configs > 0 or args.test_file:
        test_set = _load(_export(args, "test", args.test_seed, args.test_configs), args.test_seed, "test")
        test_stats = rate_statistics(evaluate(model, test_set, pmax))
        evaluation = {"data": test_set.export.describe(), "model": test_stats, "baselines": {}}
        for policy in [p for p in args.baselines.split(",") if p]:
            metrics = controller_eval(args.controller, SCENARIO, _settings(args), policy,
                                      test_set.export.seed, test_set.configurations, test_set.export.slots)
            evaluation["baselines"][policy] = {k: metrics[k] for k in ("meanRate", "p5Rate", "sumRate")}
        manifest["evaluation"] = evaluation
        log(f"test (seed {test_set.export.seed}, {test_set.configurations} configurations): mean {test_stats['meanRate']:.4f} "
            f"p5 {test_stats['p5Rate']:.4f}" + "".join(f"; {p}: mean {m['meanRate']:.4f} p5 {m['p5Rate']:.4f}"
                                                         for p, m in evaluation["baselines"].items()))
    save_artifact(args.out, model, manifest, history,
                  curves=[("mean rate (bps/Hz)", ["train_mean", "val_mean"]), ("5th-percentile rate", ["train_p5", "val_p5"]),
                          ("average slack z", ["avg_slack"]), ("constraint violation", ["violation"])])
    if not args.mu_zero:
        write_slack(args.out, train_set, slack, mu, name)
    log(f"wrote {args.out} (best epoch {best['epoch']}, validation p5 {best['p5']:.4f}, mean {best['mean']:.4f}); "
        f"wall time {wall:.1f} s")
    return {"manifest": manifest, "history": history, "model": model}


def large_scale_sir_db(train_set) -> np.ndarray:
    """[C, n] each user's large-scale SIR in dB: its serving AP's gain over the sum of the other APs' gains, each
    averaged over the scored slots (the fast fading averages out; path loss and shadowing stay)."""
    mean_gain = train_set.snr_gains.double().mean(dim=1)  # [C, n, m]
    direct = (mean_gain * train_set.cells.double()).sum(-1)
    interference = mean_gain.sum(-1) - direct
    return (10 * torch.log10(direct / interference.clamp_min(1e-300))).numpy()


def write_slack(directory: str, train_set, slack: torch.Tensor, mu: torch.Tensor, name: str) -> None:
    """slack.csv (one line per training configuration and user: large-scale SIR, final slack z and dual mu) and
    slack.png (z against SIR, the paper's Fig. 6a)."""
    sir = large_scale_sir_db(train_set)
    configs, users = sir.shape
    with open(os.path.join(directory, "slack.csv"), "w", encoding="utf-8") as f:
        f.write("configuration,user,sir_db,slack,mu\n")
        for c in range(configs):
            for u in range(users):
                f.write(f"{c},{u},{sir[c, u]:.6g},{float(slack[c, u]):.6g},{float(mu[c, u]):.6g}\n")
    plt = headless_pyplot()

    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    ax.scatter(sir.ravel(), slack.numpy().ravel(), s=2, alpha=0.3)
    ax.set_xlabel("large-scale SIR (dB)")
    ax.set_ylabel("final slack z")
    ax.set_title(f"{name}: slack at the end of training, per training user")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(os.path.join(directory, "slack.png"), dpi=110)
    plt.close(fig)


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
