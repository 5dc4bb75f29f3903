import os

import numpy as np
import pytest
import torch

from training import train_resilient
from training.data import load_export, prepare_resilient
from training.models import ResilientGnn
from training.parallel import _CHILD_SEED_STRIDE, DataParallel

from .test_training import run, same_run


def _setup(resilient_files):
    train_set = prepare_resilient(load_export(resilient_files[0]))
    torch.manual_seed(3)
    model = ResilientGnn()

    def step(model_, index, weights, b, gen, total):
        result = train_resilient.rollout(model_, train_set.batch(index), train_set.export.pmax, sample=True, generator=gen,
                                         weights=weights, baseline=b, pf_weights=True, total=total)
        return {"rates": result["rates"].mean(1).to(torch.float64), "power": result["power"].sum(-1).mean().item(),
                "advantage": result["advantage"]}

    def evaluate(model_, index):
        return train_resilient.evaluate_part(model_, train_set, train_set.export.pmax, index)

    return train_set, model, step, evaluate


def _grads(model):
    return torch.cat([p.grad.reshape(-1) for p in model.parameters()])


def test_split_step_sums_the_parts_gradients_and_keeps_their_results(resilient_files):
    train_set, model, step, evaluate = _setup(resilient_files)
    index = torch.arange(train_set.configurations)
    weights = torch.ones(len(index), train_set.snr_gains.shape[2])
    seed = 5
    # The same two parts run here, one after the other, with the generators the split run gives them.
    parts = torch.tensor_split(index, 2)
    expected_grad = 0
    expected_rates, expected_baseline = [], []
    for k, part in enumerate(parts):
        model.zero_grad(set_to_none=True)
        b = torch.full((len(part),), float("nan"))
        gen = torch.Generator().manual_seed(seed + _CHILD_SEED_STRIDE * k)
        result = step(model, part, weights[:len(part)], b, gen, len(index))
        expected_grad = expected_grad + _grads(model)
        expected_rates.append(result["rates"])
        expected_baseline.append(b)
    with DataParallel(2, model, step, evaluate, seed=seed) as parallel:
        baseline = torch.full((len(index),), float("nan"))
        result = parallel.step(index, weights, baseline, torch.Generator().manual_seed(seed))
        split_eval = parallel.evaluate(train_set.configurations)
    assert torch.allclose(_grads(model), expected_grad, rtol=1e-5, atol=1e-9)
    assert torch.equal(result["rates"], torch.cat(expected_rates))
    assert torch.equal(baseline, torch.cat(expected_baseline))
    np.testing.assert_allclose(split_eval, train_resilient.evaluate(model, train_set, train_set.export.pmax), rtol=1e-6)


def test_a_child_error_reaches_the_parent_with_its_message(resilient_files):
    _, model, _, evaluate = _setup(resilient_files)
    parent = os.getpid()

    def failing(model_, index, weights, b, gen, total):
        if os.getpid() != parent:
            raise ValueError("boom in the child")
        return {}

    with DataParallel(2, model, failing, evaluate, seed=1) as parallel:
        with pytest.raises(RuntimeError, match="boom in the child"):
            parallel.step(torch.arange(2), torch.ones(2, 6), torch.zeros(2), torch.Generator())
    with pytest.raises(ValueError, match="at least 1"):
        DataParallel(0, model, failing, evaluate, seed=1)


def test_two_worker_training_is_reproducible_for_a_seed(resilient_files, tmp_path):
    first = run(train_resilient, resilient_files, tmp_path / "a", seed=7, extra=["--workers", "2"])
    again = run(train_resilient, resilient_files, tmp_path / "b", seed=7, extra=["--workers", "2"])
    assert same_run(first, again)
    assert first["manifest"]["training"]["workers"] == 2
