"""The two policy networks of ARTIFACT_FORMAT.md, with parameter names equal to the artifact's tensor names.

Both work on dense batched tensors: a user graph of n nodes is an (n x n) matrix `weights[v, u] = w_uv`
(0 where there is no edge), which on a CPU is much faster than scattering over edge lists at n = 40.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

RESILIENT_DEFAULTS = {"layers": 2, "hidden": 64, "leakySlope": 0.01, "selectionTemperature": 10}
AGG_DEFAULTS = {"layers": 10, "filterLength": 10, "p0": 1000}
_FLOOR = -1e30


class LEConv(nn.Module):
    """Local-extremum convolution (paper 003 Sec. V-B, ref. [57]) without the non-linearity:
    `W1 y_v + b1 + sum_{u -> v} w_uv (W2 y_v - W3 y_u)`."""

    def __init__(self, inputs: int, outputs: int):
        super().__init__()
        self.w1 = nn.Linear(inputs, outputs)
        self.w2 = nn.Linear(inputs, outputs, bias=False)
        self.w3 = nn.Linear(inputs, outputs, bias=False)

    def forward(self, y: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        # y: [B, n, F]; weights: [B, n, n] with weights[b, v, u] = w_uv (edge u -> v).
        in_weight = weights.sum(dim=-1, keepdim=True)
        return self.w1(y) + in_weight * self.w2(y) - torch.bmm(weights, self.w3(y))


class ResilientGnn(nn.Module):
    """Paper 003's GNN: LEConv backbone, power head per cell, selection head per user (ARTIFACT_FORMAT.md)."""

    def __init__(self, layers: int = 2, hidden: int = 64, leaky_slope: float = 0.01, temperature: float = 10.0):
        super().__init__()
        self.layers = nn.ModuleList(LEConv(1 if l == 0 else hidden, hidden) for l in range(layers))
        self.power = nn.Linear(hidden, 1)
        self.selection = nn.Linear(hidden, 1)
        self.leaky_slope = leaky_slope
        self.temperature = temperature

    @property
    def hyperparameters(self) -> dict:
        return {"layers": len(self.layers), "hidden": self.power.in_features,
                "leakySlope": self.leaky_slope, "selectionTemperature": self.temperature}

    @classmethod
    def from_hyperparameters(cls, h: dict) -> "ResilientGnn":
        return cls(int(h["layers"]), int(h["hidden"]), float(h["leakySlope"]), float(h["selectionTemperature"]))

    def embed(self, features: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        y = features.unsqueeze(-1)
        for layer in self.layers:
            y = F.leaky_relu(layer(y, weights), self.leaky_slope)
        return y

    def forward(self, features, weights, cells, active, pmax):
        """features [B, n]; weights [B, n, n]; cells [B, n, m] one-hot float (user v in cell i);
        active [B, n] bool. Returns power [B, m] and log pi [B, n] (-inf for users that cannot be served)."""
        s = self.embed(features, weights)
        # Power head: mean embedding over the cell's users, Pmax sigmoid; a cell without active users is off.
        members = cells.sum(dim=1)  # [B, m]
        mean = torch.bmm(cells.transpose(1, 2), s) / members.clamp(min=1).unsqueeze(-1)
        power = pmax * torch.sigmoid(self.power(mean).squeeze(-1))
        has_active = torch.bmm(active.to(cells.dtype).unsqueeze(1), cells).squeeze(1) > 0
        power = torch.where(has_active, power, torch.zeros_like(power))
        logits = self.selection(s).squeeze(-1) / self.temperature
        return power, cell_log_softmax(logits, cells, active)


def cell_log_softmax(logits: torch.Tensor, cells: torch.Tensor, active: torch.Tensor) -> torch.Tensor:
    """log of the softmax of `logits` over the active users of each user's cell; -inf for inactive users."""
    eligible = cells.bool() & active.unsqueeze(-1)  # [B, n, m]
    # A large finite floor instead of -inf keeps the gradient of logsumexp finite for cells without an
    # active user; their users are inactive and get -inf below.
    masked = torch.where(eligible, logits.unsqueeze(-1), torch.full_like(cells, _FLOOR))
    normalizer = torch.logsumexp(masked, dim=1)  # [B, m]
    user_normalizer = torch.bmm(cells, normalizer.unsqueeze(-1)).squeeze(-1)
    return torch.where(active, logits - user_normalizer, torch.full_like(logits, -math.inf))


def select_users(log_pi: torch.Tensor, cells: torch.Tensor, generator: torch.Generator | None = None, sample: bool = True) -> torch.Tensor:
    """One user per cell: sampled from pi (Gumbel-max) or the largest pi (ties: lowest index).
    Returns served [B, m] user indices, -1 for cells without an active user."""
    scores = log_pi
    if sample:
        u = torch.rand(log_pi.shape, generator=generator, dtype=log_pi.dtype, device=log_pi.device)
        scores = log_pi - torch.log(-torch.log(u.clamp(min=1e-12)))
    per_cell = torch.where(cells.bool(), scores.unsqueeze(-1), torch.full_like(cells, -math.inf))  # [B, n, m]
    best = per_cell.argmax(dim=1)  # first maximum on ties
    valid = torch.isfinite(per_cell.max(dim=1).values)
    return torch.where(valid, best, torch.full_like(best, -1))


class AggGnnCnn(nn.Module):
    """Paper 004's per-node CNN over the length-K aggregation sequence (ARTIFACT_FORMAT.md): `layers`
    Conv1d(1 -> 1, filterLength) with zero padding keeping the length, ReLU between, sigmoid of the mean."""

    def __init__(self, sequence_length: int, layers: int = 10, filter_length: int = 10, p0: float = 1000.0, scale=None):
        super().__init__()
        self.sequence_length = sequence_length
        self.filter_length = filter_length
        self.p0 = p0
        self.conv = nn.ModuleList(nn.Conv1d(1, 1, filter_length) for _ in range(layers))
        # Input normalization is part of the manifest (inputs.scale), not a tensor of the artifact.
        self.scale = torch.ones(sequence_length) if scale is None else torch.as_tensor(scale, dtype=torch.float32)

    @property
    def hyperparameters(self) -> dict:
        return {"sequenceLength": self.sequence_length, "layers": len(self.conv),
                "filterLength": self.filter_length, "p0": self.p0}

    @classmethod
    def from_hyperparameters(cls, h: dict, scale=None) -> "AggGnnCnn":
        return cls(int(h["sequenceLength"]), int(h["layers"]), int(h["filterLength"]), float(h["p0"]), scale)

    def reset_near_identity(self, generator: torch.Generator | None = None, noise: float = 0.1) -> None:
        """Starts every layer near the identity (centre tap 1, small noise, small positive bias): with one
        filter per layer and ReLU, a default random start often zeroes the signal in one of ten layers and
        leaves no gradient."""
        left = (self.filter_length - 1) // 2
        with torch.no_grad():
            for conv in self.conv:
                w = noise * torch.randn(conv.weight.shape, generator=generator)
                w[0, 0, left] += 1.0
                conv.weight.copy_(w)
                conv.bias.fill_(0.01)

    def logits(self, scaled: torch.Tensor) -> torch.Tensor:
        """scaled: [..., K] sequences already divided by `scale`; returns the pre-sigmoid output [...]."""
        shape = scaled.shape[:-1]
        x = scaled.reshape(-1, 1, scaled.shape[-1])
        shifts = self._shifts(scaled.shape[-1], scaled.dtype)
        x = x.squeeze(1)
        for l, conv in enumerate(self.conv):
            # Conv1d(1 -> 1) with zero padding (left, right) as one K x K matrix,
            # out[k] = b + sum_i x[i] w[i - k + left]: the same sums as conv(F.pad(x)), but Debian's CPU
            # convolution is ~100x slower than this product for the millions of short sequences of a batch.
            toeplitz = torch.einsum("j,jik->ik", conv.weight.view(-1).to(x.dtype), shifts)
            x = x @ toeplitz + conv.bias.to(x.dtype)
            if l < len(self.conv) - 1:
                x = F.relu(x)
        return x.mean(dim=-1).reshape(shape)

    def _shifts(self, k: int, dtype) -> torch.Tensor:
        """[filterLength, K, K] 0/1 tensor: shifts[j, i, o] = 1 when tap j links input i to output o."""
        left = (self.filter_length - 1) // 2
        shifts = torch.zeros(self.filter_length, k, k, dtype=dtype)
        for o in range(k):
            for j in range(self.filter_length):
                i = o + j - left
                if 0 <= i < k:
                    shifts[j, i, o] = 1
        return shifts

    def forward(self, sequences: torch.Tensor) -> torch.Tensor:
        """sequences: raw (unscaled) [..., K]; returns q, the probability of transmitting at p0."""
        return torch.sigmoid(self.logits(sequences / self.scale.to(sequences.dtype)))
