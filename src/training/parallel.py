"""Data-parallel steps over forked processes, for machines whose cores one torch thread cannot use.

A training step's objective is a sum over configurations, so W processes (this one and W - 1 forked
children, each with one torch thread and its own copy of the data) can each run the rollout of a part
of the batch and the summed gradients are the whole batch's. Small matrix products split badly over
threads (`--threads 2` is slower than one thread on the 2-core machines this runs on); split over
processes they do not. Messages are NumPy arrays over pipes; the children hold no state but the data,
their sampling generator and the REINFORCE baselines they are sent.

A run is reproducible for a fixed seed and worker count; a run with W workers is not the same run as
one with a single worker (each part draws its selections from its own generator).
"""

from __future__ import annotations

import multiprocessing as mp
from typing import Callable

import numpy as np
import torch

# Distinct sampling streams for the children; the parent keeps the run's generator for its own part.
_CHILD_SEED_STRIDE = 1_000_003


def _flat_grads(model: torch.nn.Module) -> np.ndarray:
    return torch.cat([(p.grad if p.grad is not None else torch.zeros_like(p)).reshape(-1)
                      for p in model.parameters()]).numpy().copy()


def _load_params(model: torch.nn.Module, flat: np.ndarray) -> None:
    with torch.no_grad():
        torch.nn.utils.vector_to_parameters(torch.from_numpy(flat), model.parameters())


def _child(conn, model: torch.nn.Module, step: Callable, evaluate: Callable, seed: int, threads: int) -> None:
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)
    generator = torch.Generator().manual_seed(seed)
    try:
        while True:
            message = conn.recv()
            kind = message[0]
            if kind == "stop":
                return
            _load_params(model, message[1])
            if kind == "step":
                _, _, index, weights, baseline, total = message
                model.train()
                model.zero_grad(set_to_none=True)
                b = torch.from_numpy(baseline)
                result = step(model, torch.from_numpy(index), torch.from_numpy(weights), b, generator, total)
                result = {k: v.numpy() if isinstance(v, torch.Tensor) else v for k, v in result.items()}
                conn.send(("ok", _flat_grads(model), b.numpy(), result))
            elif kind == "eval":
                model.eval()
                conn.send(("ok", evaluate(model, torch.from_numpy(message[2]))))
    except Exception as e:  # noqa: BLE001 - the parent re-raises it with the child's message
        conn.send(("error", f"{type(e).__name__}: {e}"))
    finally:
        conn.close()


class DataParallel:
    """W - 1 forked children beside this process; `step` and `evaluate` split their configurations over all W.

    `step(model, index, weights, baseline, generator, total)` runs the rollout of configurations `index`,
    backpropagates its part of the objective normalized by the whole batch size `total` and returns a dict of
    per-configuration results (tensors of first dimension len(index)) and scalars; `baseline` is updated in place.
    `evaluate(model, index)` returns a NumPy array of first dimension len(index)."""

    def __init__(self, workers: int, model: torch.nn.Module, step: Callable, evaluate: Callable, seed: int, threads: int = 1):
        if workers < 1:
            raise ValueError(f"--workers must be at least 1 (got {workers})")
        self.model, self.step_fn, self.evaluate_fn = model, step, evaluate
        self.children = []
        context = mp.get_context("fork")
        for k in range(1, workers):
            parent, child = context.Pipe()
            process = context.Process(target=_child, args=(child, model, step, evaluate, seed + _CHILD_SEED_STRIDE * k, threads),
                                      daemon=True)
            process.start()
            child.close()
            self.children.append((parent, process))

    @property
    def workers(self) -> int:
        return len(self.children) + 1

    def _parts(self, index: torch.Tensor) -> list[torch.Tensor]:
        return [part for part in torch.tensor_split(index, self.workers)]

    def _receive(self, conn):
        reply = conn.recv()
        if reply[0] == "error":
            raise RuntimeError(f"training worker failed: {reply[1]}")
        return reply[1:]

    def step(self, index: torch.Tensor, weights: torch.Tensor, baseline: torch.Tensor, generator: torch.Generator) -> dict:
        """One batch: gradients of all parts summed into the model's .grad (in part order); results concatenated."""
        parts = self._parts(index)
        flat = torch.nn.utils.parameters_to_vector(self.model.parameters()).detach().numpy().copy()
        offsets = np.cumsum([0] + [len(p) for p in parts])
        total = len(index)
        for k, (conn, _) in enumerate(self.children, start=1):
            lo, hi = offsets[k], offsets[k + 1]
            conn.send(("step", flat, parts[k].numpy(), weights[lo:hi].numpy(), baseline[lo:hi].numpy(), total))
        self.model.zero_grad(set_to_none=True)
        own = baseline[offsets[0]:offsets[1]]
        results = [self.step_fn(self.model, parts[0], weights[offsets[0]:offsets[1]], own, generator, total)]
        grads = [_flat_grads(self.model)]
        for k, (conn, _) in enumerate(self.children, start=1):
            grad, child_baseline, result = self._receive(conn)
            grads.append(grad)
            baseline[offsets[k]:offsets[k + 1]] = torch.from_numpy(child_baseline)
            results.append({key: torch.from_numpy(v) if isinstance(v, np.ndarray) else v for key, v in result.items()})
        summed = torch.from_numpy(np.sum(np.stack(grads), axis=0))
        start = 0
        for p in self.model.parameters():
            p.grad = summed[start:start + p.numel()].view_as(p).clone()
            start += p.numel()
        return _combine(results, [len(p) for p in parts])

    def evaluate(self, configurations: int) -> np.ndarray:
        """The evaluation of configurations 0..configurations-1, split in contiguous parts."""
        parts = self._parts(torch.arange(configurations))
        flat = torch.nn.utils.parameters_to_vector(self.model.parameters()).detach().numpy().copy()
        for k, (conn, _) in enumerate(self.children, start=1):
            conn.send(("eval", flat, parts[k].numpy()))
        out = [self.evaluate_fn(self.model, parts[0])]
        out += [self._receive(conn)[0] for conn, _ in self.children]
        return np.concatenate(out)

    def close(self) -> None:
        for conn, process in self.children:
            try:
                conn.send(("stop",))
            except (BrokenPipeError, OSError):
                pass
            process.join(timeout=10)
            if process.is_alive():
                process.terminate()
        self.children = []

    def __enter__(self) -> "DataParallel":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _combine(results: list[dict], sizes: list[int]) -> dict:
    """Concatenates per-configuration tensors; averages scalars weighted by part size."""
    combined = {}
    total = sum(sizes)
    for key, value in results[0].items():
        if isinstance(value, torch.Tensor):
            combined[key] = torch.cat([r[key] for r in results])
        else:
            combined[key] = sum(r[key] * n for r, n in zip(results, sizes)) / total
    return combined
