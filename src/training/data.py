"""Loading `controller scenario export` files (format `controller-instances/1`, README "Export format")
and the per-slot quantities the controller computes: SINR and rates with user selection, the PF averages
and the warm-up.

The controller's conventions, repeated here exactly:
- `SINR_r = G[r][t] p_t / (noise + sum_{k != t} G[r][k] p_k)` for receiver r served by transmitter t; rate
  `log2(1 + SINR)`; receivers not served get 0; interference comes from every transmitter at its power.
- PF: `fhat_j` = j's rate with every transmitter at Pmax; `fbar_j` = exponential average of achieved rates
  (`fbar = (1 - beta) fbar + beta r`, beta = 0.05) updated after every slot, warm-up included; ratio
  `fhat_j / max(fbar_j, 1e-9)`.
- Warm-up (`warmup` slots, resilient-rrm): full power, each transmitter cycles through its active
  associated receivers in index order (round robin), not scored.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field

import numpy as np
import torch

EXPORT_FORMAT = "controller-instances/1"
PF_BETA = 0.05
PF_AVERAGE_FLOOR = 1e-9
_CACHE_VERSION = 2


class ExportError(ValueError):
    """An export file that cannot be used; the message names the file and the problem."""


@dataclass
class Export:
    """One export file as arrays: C configurations x S slots, R receivers, T transmitters."""

    path: str
    scenario: str
    seed: int
    settings: dict
    noise: float
    pmax: float
    power_budget: float
    slots: int
    warmup: int
    indices: np.ndarray  # [C] configuration index within the seed
    gains: np.ndarray  # [C, S, R, T] float64, gains[c, s, r, t] from transmitter t to receiver r
    active: np.ndarray  # [C, S, R] bool
    awake: np.ndarray  # [C, S, T] bool (paper 004's asynchronous wake pattern; all true when the export has none)
    association: np.ndarray  # [C, R] int64, serving transmitter of each receiver
    demands: np.ndarray  # [C, R] float64

    @property
    def configurations(self) -> int:
        return self.gains.shape[0]

    def describe(self) -> dict:
        return {"file": os.path.basename(self.path), "scenario": self.scenario, "seed": self.seed,
                "configurations": self.configurations, "slots": self.slots, "warmup": self.warmup}


def controller_command(controller: str) -> list[str]:
    """How to start the controller CLI: a .dll runs through `dotnet`, anything else directly."""
    return ["dotnet", controller] if controller.endswith(".dll") else [controller]


def ensure_export(controller: str, scenario: str, settings: dict, seed: int, configs: int, slots: int, path: str) -> str:
    """Writes the export with the controller CLI unless `path` already exists; returns `path`."""
    if os.path.exists(path):
        return path
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    cmd = controller_command(controller) + ["scenario", "export", "--scenario", scenario]
    for key, value in settings.items():
        cmd += ["--set", f"{key}={value}"]
    cmd += ["--seed", str(seed), "--configs", str(configs), "--slots", str(slots), "--out", path]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        raise ExportError(f"{path}: '{' '.join(cmd)}' failed: {result.stderr.strip()}")
    return path


def load_export(path: str, cache: bool = True) -> Export:
    """Reads an export file. With `cache`, the arrays are kept in `<path>.npz` (rebuilt when the JSON is
    newer), because parsing hundreds of MB of JSON takes longer than a training epoch."""
    cache_path = path + ".npz"
    if cache and os.path.exists(cache_path) and os.path.getmtime(cache_path) >= os.path.getmtime(path):
        with np.load(cache_path, allow_pickle=False) as z:
            if int(z["cache_version"]) == _CACHE_VERSION:
                meta = json.loads(str(z["meta"]))
                return Export(path=path, indices=z["indices"], gains=z["gains"], active=z["active"],
                              awake=z["awake"], association=z["association"], demands=z["demands"], **meta)
    export = _parse(path)
    if cache:
        meta = {k: getattr(export, k) for k in ("scenario", "seed", "settings", "noise", "pmax", "power_budget", "slots", "warmup")}
        tmp = f"{cache_path}.{os.getpid()}.tmp.npz"  # trainings started together each write their own, then replace
        np.savez(tmp, cache_version=_CACHE_VERSION, meta=json.dumps(meta), indices=export.indices, gains=export.gains,
                 active=export.active, awake=export.awake, association=export.association, demands=export.demands)
        os.replace(tmp, cache_path)
    return export


def _parse(path: str) -> Export:
    try:
        with open(path, "rb") as f:
            doc = json.load(f)
    except FileNotFoundError:
        raise ExportError(f"{path}: file not found") from None
    except json.JSONDecodeError as e:
        raise ExportError(f"{path}: not valid JSON ({e})") from None
    if doc.get("format") != EXPORT_FORMAT:
        raise ExportError(f"{path}: format {doc.get('format')!r}, expected {EXPORT_FORMAT!r}")
    instances = doc["instances"]
    if not instances:
        raise ExportError(f"{path}: no instances")
    gains, active, awake, association, demands, indices = [], [], [], [], [], []
    for inst in instances:
        g = np.asarray([slot["gain"] for slot in inst["slots"]], dtype=np.float64)
        if g.ndim != 3:
            raise ExportError(f"{path}: instance {inst['index']} has ragged gain matrices")
        s, r, t = g.shape
        act = np.ones((s, r), dtype=bool)
        wake = np.ones((s, t), dtype=bool)
        for k, slot in enumerate(inst["slots"]):
            if slot.get("active") is not None:
                act[k] = np.asarray(slot["active"], dtype=bool)
            if slot.get("awake") is not None:
                wake[k] = np.asarray(slot["awake"], dtype=bool)
        assoc = inst.get("association")
        assoc = np.arange(r) if assoc is None else np.asarray(assoc, dtype=np.int64)
        gains.append(g)
        active.append(act)
        awake.append(wake)
        association.append(assoc)
        demands.append(np.asarray(inst.get("demands") or np.zeros(r), dtype=np.float64))
        indices.append(int(inst["index"]))
        inst["slots"] = None  # lets the parsed JSON of this instance be freed early
    if len({g.shape for g in gains}) != 1:
        raise ExportError(f"{path}: instances differ in size")
    gains_array = np.stack(gains)
    if not np.all(np.isfinite(gains_array)) or np.any(gains_array < 0):
        raise ExportError(f"{path}: gains must be finite and not negative")
    return Export(path=path, scenario=doc["scenario"], seed=int(doc["seed"]), settings=dict(doc["settings"]),
                  noise=float(doc["noise"]), pmax=float(doc["pmax"]), power_budget=float(doc["powerBudget"]),
                  slots=int(doc["slots"]), warmup=int(doc.get("warmup") or 0), indices=np.asarray(indices),
                  gains=gains_array, active=np.stack(active), awake=np.stack(awake), association=np.stack(association),
                  demands=np.stack(demands))


# ---------------------------------------------------------------------------------------------------
# Rates (numpy, float64: the controller's arithmetic)
# ---------------------------------------------------------------------------------------------------

def rates_numpy(gains: np.ndarray, association: np.ndarray, served: np.ndarray, power: np.ndarray, noise: float) -> np.ndarray:
    """Rates of every receiver for one slot: gains [R, T], association [R], served [T] (receiver or -1),
    power [T]. Receivers not served get 0."""
    rates = np.zeros(gains.shape[0])
    for t, r in enumerate(served):
        if r >= 0:
            signal = gains[r, t] * power[t]
            interference = gains[r] @ power - signal
            rates[r] = np.log2(1 + signal / (noise + max(0.0, interference)))
    return rates


def full_power_rates(gains: np.ndarray, association: np.ndarray, pmax: float, noise: float) -> np.ndarray:
    """PF's `fhat`: each receiver's rate with every transmitter at Pmax. gains [..., R, T], association [..., R]."""
    own = np.take_along_axis(gains, association[..., None], axis=-1)[..., 0]
    interference = gains.sum(axis=-1) - own
    return np.log2(1 + pmax * own / (noise + pmax * np.maximum(interference, 0)))


class RoundRobin:
    """The controller's warm-up selection: each transmitter serves the next active associated receiver
    after the one it served last (starting before receiver 0), in index order."""

    def __init__(self, association: np.ndarray, transmitters: int):
        self.association = association
        self.cursor = np.full(transmitters, -1)

    def select(self, active: np.ndarray) -> np.ndarray:
        n = len(self.association)
        served = np.full(len(self.cursor), -1)
        for t in range(len(self.cursor)):
            for step in range(1, n + 1):
                r = (self.cursor[t] + step + n) % n
                if self.association[r] == t and active[r]:
                    served[t] = r
                    self.cursor[t] = r
                    break
        return served


def warmup_averages(gains: np.ndarray, association: np.ndarray, active: np.ndarray, warmup: int, pmax: float, noise: float) -> np.ndarray:
    """PF averages `fbar` after the warm-up slots of one configuration (gains [S, R, T], active [S, R])."""
    receivers, transmitters = gains.shape[1], gains.shape[2]
    average = np.zeros(receivers)
    selector = RoundRobin(association, transmitters)
    for s in range(warmup):
        served = selector.select(active[s])
        power = np.where(served >= 0, pmax, 0.0)
        rates = rates_numpy(gains[s], association, served, power, noise)
        average = (1 - PF_BETA) * average + PF_BETA * rates
    return average


def rate_statistics(user_rates: np.ndarray) -> dict:
    """`eval`'s metrics over time-averaged per-receiver rates [C, R]: mean and 5th percentile pooled over
    all receivers (numpy's linear interpolation), sum rate per configuration averaged."""
    flat = np.asarray(user_rates, dtype=np.float64).reshape(-1)
    return {"meanRate": float(flat.mean()), "p5Rate": float(np.percentile(flat, 5)),
            "sumRate": float(np.asarray(user_rates).sum(axis=-1).mean())}


# ---------------------------------------------------------------------------------------------------
# Rates (torch, batched, differentiable in the power)
# ---------------------------------------------------------------------------------------------------

def rates_torch(snr_gains: torch.Tensor, cells: torch.Tensor, served_mask: torch.Tensor, power: torch.Tensor) -> torch.Tensor:
    """Rates [B, R] with gains already divided by the noise (noise = 1): snr_gains [B, R, T], cells [B, R, T]
    one-hot of each receiver's serving transmitter, served_mask [B, R] (1 for served receivers), power [B, T].
    The interference sum skips the serving transmitter instead of subtracting it, which avoids
    cancellation in float32 when the signal dominates."""
    received = snr_gains * power.unsqueeze(1)
    signal = (received * cells).sum(-1)
    interference = (received * (1 - cells)).sum(-1)
    return served_mask * torch.log2(1 + signal / (1 + interference))


def served_mask_from(served: torch.Tensor, receivers: int) -> torch.Tensor:
    """[B, T] served receiver (or -1) -> [B, R] 0/1 mask."""
    mask = torch.zeros(served.shape[0], receivers + 1, dtype=torch.float64 if served.dtype == torch.float64 else torch.float32)
    index = torch.where(served >= 0, served, torch.full_like(served, receivers))
    mask.scatter_(1, index, 1.0)
    return mask[:, :receivers]


# ---------------------------------------------------------------------------------------------------
# Scenario-specific preprocessing
# ---------------------------------------------------------------------------------------------------

@dataclass
class ResilientSet:
    """The scored slots of resilient-rrm configurations with everything that does not depend on the policy."""

    export: Export
    snr_gains: torch.Tensor  # [C, T, n, m] float32, gains / noise
    cells: torch.Tensor  # [C, n, m] float32 one-hot association
    active: torch.Tensor  # [C, T, n] bool
    fhat: torch.Tensor  # [C, T, n] float32, PF's full-power rate estimate
    fbar0: torch.Tensor  # [C, n] float32, PF averages after warm-up
    edge_weights: torch.Tensor  # [C, T, n, n] float32, dense user graph weights[v, u] = w_uv
    fmin: np.ndarray = field(default=None)  # [C, n]

    @property
    def configurations(self) -> int:
        return self.snr_gains.shape[0]

    def batch(self, index) -> dict:
        return {"snr_gains": self.snr_gains[index], "cells": self.cells[index], "active": self.active[index],
                "fhat": self.fhat[index], "fbar0": self.fbar0[index], "edge_weights": self.edge_weights[index]}


def prepare_resilient(export: Export) -> ResilientSet:
    from .graph import user_graph_dense

    if export.scenario != "resilient-rrm":
        raise ExportError(f"{export.path}: scenario {export.scenario!r}, expected 'resilient-rrm'")
    warmup = export.warmup
    if export.slots <= warmup:
        raise ExportError(f"{export.path}: {export.slots} slots leave nothing after the {warmup} warm-up slots")
    c, s, n, m = export.gains.shape
    fbar0 = np.stack([warmup_averages(export.gains[i], export.association[i], export.active[i], warmup, export.pmax, export.noise)
                      for i in range(c)])
    scored = export.gains[:, warmup:]
    fhat = full_power_rates(scored, np.broadcast_to(export.association[:, None, :], scored.shape[:3]), export.pmax, export.noise)
    weights = user_graph_dense(torch.from_numpy(scored), torch.from_numpy(export.association)[:, None, :].expand(c, s - warmup, n),
                               export.noise, export.pmax)
    cells = np.zeros((c, n, m), dtype=np.float32)
    cells[np.arange(c)[:, None], np.arange(n)[None, :], export.association] = 1
    return ResilientSet(export=export, snr_gains=torch.from_numpy((scored / export.noise).astype(np.float32)),
                        cells=torch.from_numpy(cells), active=torch.from_numpy(export.active[:, warmup:].copy()),
                        fhat=torch.from_numpy(fhat.astype(np.float32)), fbar0=torch.from_numpy(fbar0.astype(np.float32)),
                        edge_weights=weights.to(torch.float32), fmin=export.demands)


@dataclass
class AggSet:
    """agg-gnn configurations: gains, node states and aggregation sequences (policy-independent)."""

    export: Export
    snr_gains: torch.Tensor  # [C, S, m, m] float32, gains / noise
    sequences: torch.Tensor  # [C, S, m, K] float32, raw aggregation sequences
    active: torch.Tensor  # [C, S, m] bool (has traffic; an inactive link is off)
    deciding: torch.Tensor  # [C, S, m] bool (active and awake: sends messages and draws; asleep links keep their last action)
    p0: float
    budget: float
    hops: int
    eta0: float

    @property
    def configurations(self) -> int:
        return self.snr_gains.shape[0]


def agg_state(gains: np.ndarray, p0: float, noise: float) -> np.ndarray:
    """Paper 004's node state `x_i(t) = log2(1 + p0 G[i][i] / N0)`; gains [..., m, m]."""
    direct = np.diagonal(gains, axis1=-2, axis2=-1)
    return np.log2(1 + p0 * direct / noise)


def prepare_agg(export: Export, hops: int | None = None, eta0: float | None = None) -> AggSet:
    from .graph import aggregation_sequences

    if export.scenario != "agg-gnn":
        raise ExportError(f"{export.path}: scenario {export.scenario!r}, expected 'agg-gnn'")
    hops = int(export.settings.get("hops", 5)) if hops is None else hops
    eta0 = float(export.settings.get("edgeThreshold", 0)) if eta0 is None else eta0
    p0 = float(export.settings.get("p0", export.pmax))
    x = agg_state(export.gains, p0, export.noise)
    deciding = export.active & export.awake
    sequences = aggregation_sequences(export.gains, x, hops, eta0, deciding)
    return AggSet(export=export, snr_gains=torch.from_numpy((export.gains / export.noise).astype(np.float32)),
                  sequences=torch.from_numpy(sequences.astype(np.float32)), active=torch.from_numpy(export.active.copy()),
                  deciding=torch.from_numpy(deciding),
                  p0=p0, budget=export.power_budget, hops=hops, eta0=eta0)


def controller_eval(controller: str, scenario: str, settings: dict, policy: str, seed: int, configs: int, slots: int | None = None) -> dict:
    """`controller eval --json` for a baseline on the same configurations as an export of that seed."""
    cmd = controller_command(controller) + ["eval", "--scenario", scenario]
    for key, value in settings.items():
        cmd += ["--set", f"{key}={value}"]
    cmd += ["--policy", policy, "--seed", str(seed), "--configs", str(configs), "--json"]
    if slots is not None:
        cmd += ["--slots", str(slots)]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        raise ExportError(f"'{' '.join(cmd)}' failed: {result.stderr.strip()}")
    return json.loads(result.stdout)["metrics"]


def default_controller() -> str:
    """The Release build of the CLI in this repository."""
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.normpath(os.path.join(here, "..", "Controller.Host", "bin", "Release", "net10.0", "controller.dll"))


def default_data_dir() -> str:
    return os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "controller-training")
