"""Graphs of the two papers, identical to Controller.Radio's `InterferenceGraph`:

- paper 003's user graph (`InterferenceGraph.ForUsers`): for each destination user v, incoming edges from
  every u with u == v or a(u) != a(v), raw weight `r_uv = ln(Pmax G[v][a(u)] / N0)`, normalized
  `w_uv = r_uv / sqrt(sum over all edges r^2)`;
- paper 004's sparsified shift (`InterferenceGraph.ForAggregation`): `Htil[i, j] = |h_ij| = sqrt(G[i][j])`
  when `|h_ij| >= eta0` (and > 0), self edges included, and Algorithm 1's aggregation sequences over it.
"""

from __future__ import annotations

import numpy as np
import torch


def user_graph_dense(gains: torch.Tensor, association: torch.Tensor, noise: float, pmax: float) -> torch.Tensor:
    """Dense weights [..., n, n] with `W[v, u] = w_uv` (0 where there is no edge).
    gains [..., n, m] (receivers x transmitters), association [..., n]."""
    n = gains.shape[-2]
    index = association.unsqueeze(-2).expand(*association.shape[:-1], n, n)  # [..., v, u] = a(u)
    toward = torch.gather(gains, -1, index)  # G[v][a(u)]
    same_cell = association.unsqueeze(-1) == association.unsqueeze(-2)
    edge = ~same_cell | torch.eye(n, dtype=torch.bool)
    raw = torch.where(edge, torch.log(pmax * toward / noise), torch.zeros_like(toward))
    norm = torch.sqrt((raw * raw).sum(dim=(-2, -1), keepdim=True))
    return torch.where(norm > 0, raw / torch.where(norm > 0, norm, torch.ones_like(norm)), torch.zeros_like(raw))


def user_graph_edges(gains: np.ndarray, association: np.ndarray, noise: float, pmax: float) -> dict:
    """The same graph as edge lists in the controller's order (grouped by destination, sources ascending):
    {"src": [...], "dst": [...], "weight": [...]} — the worker protocol's `edges` entry."""
    n = gains.shape[0]
    src, dst, raw = [], [], []
    for v in range(n):
        for u in range(n):
            if u == v or association[u] != association[v]:
                src.append(u)
                dst.append(v)
                raw.append(float(np.log(pmax * gains[v, association[u]] / noise)))
    raw = np.asarray(raw)
    norm = float(np.sqrt(np.sum(raw * raw)))
    weight = raw / norm if norm > 0 else np.zeros_like(raw)
    return {"src": src, "dst": dst, "weight": weight.tolist()}


def dense_from_edges(n: int, src, dst, weight, dtype=torch.float32) -> torch.Tensor:
    """Edge lists -> dense [n, n] with W[dst, src] = weight (parallel edges add up)."""
    w = torch.zeros(n, n, dtype=dtype)
    if len(src):
        w.index_put_((torch.as_tensor(dst, dtype=torch.long), torch.as_tensor(src, dtype=torch.long)),
                     torch.as_tensor(weight, dtype=dtype), accumulate=True)
    return w


def aggregation_shift(gains: np.ndarray, eta0: float, active: np.ndarray | None = None) -> np.ndarray:
    """`Htil = H o Q` for one or more slots: gains [..., m, m] -> amplitudes [..., m, m] with row i the
    receiver and column j the sending transmitter; columns of inactive nodes (they send nothing) are 0."""
    amplitude = np.sqrt(gains)
    shift = np.where((amplitude >= eta0) & (amplitude > 0), amplitude, 0.0)
    if active is not None:
        shift = shift * active[..., None, :]
    return shift


def aggregation_sequences(gains: np.ndarray, states: np.ndarray, length: int, eta0: float, active: np.ndarray | None = None) -> np.ndarray:
    """Algorithm 1 of paper 004 as message passing, slot by slot from an all-zero history:
    `y_i^(0)(t) = xbar_i(t)` (the state of the last slot in which i was active, 0 before), and for
    k = 1..K-1 `y_i^(k)(t) = sum_{j in N_i(t)} |h_ij(t)| y_j^(k-1)(t-1)` over active neighbours j.
    gains [..., S, m, m], states [..., S, m], active [..., S, m] (None: always active) -> [..., S, m, K]."""
    slots, m = states.shape[-2], states.shape[-1]
    if active is None:
        active = np.ones(states.shape, dtype=bool)
    out = np.zeros(states.shape + (length,))
    previous = np.zeros(states.shape[:-2] + (m, length))
    observed = np.zeros(states.shape[:-2] + (m,))
    for t in range(slots):
        observed = np.where(active[..., t, :], states[..., t, :], observed)
        current = np.zeros_like(previous)
        current[..., 0] = observed
        if length > 1:
            shift = aggregation_shift(gains[..., t, :, :], eta0, active[..., t, :])
            current[..., 1:] = shift @ previous[..., :-1]
        out[..., t, :, :] = current
        previous = current
    return out


def aggregation_product_form(gains: np.ndarray, states: np.ndarray, length: int, eta0: float, active: np.ndarray | None = None) -> np.ndarray:
    """Eq. 11: `y^(k)(t) = Htil(t) Htil(t-1) ... Htil(t-k+1) xbar(t-k)` (0 when t-k < 0), for checking
    the message-passing form. One configuration: gains [S, m, m], states [S, m]."""
    slots, m = states.shape
    if active is None:
        active = np.ones(states.shape, dtype=bool)
    xbar = np.zeros_like(states)
    last = np.zeros(m)
    for t in range(slots):
        last = np.where(active[t], states[t], last)
        xbar[t] = last
    out = np.zeros((slots, m, length))
    for t in range(slots):
        for k in range(length):
            if t - k < 0:
                continue
            v = xbar[t - k]
            for step in range(k - 1, -1, -1):  # apply Htil(t-k+1) first, Htil(t) last
                v = aggregation_shift(gains[t - step], eta0, active[t - step]) @ v
            out[t, :, k] = v
    return out
