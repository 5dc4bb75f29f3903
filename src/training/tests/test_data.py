import numpy as np
import pytest
import torch
import torch.nn.functional as F

from training.data import (ExportError, RoundRobin, full_power_rates, load_export, prepare_agg, prepare_resilient,
                           rate_statistics, rates_numpy, rates_torch, served_mask_from, warmup_averages)

from .conftest import write_agg_export, write_resilient_export


def test_rates_follow_the_controller_formula():
    gains = np.array([[2.0, 0.5, 0.1], [0.3, 1.0, 0.2], [0.1, 0.4, 3.0], [0.6, 0.2, 0.9]])
    association = np.array([0, 1, 2, 0])
    served, power = np.array([3, -1, 2]), np.array([1.0, 0.0, 2.0])
    rates = rates_numpy(gains, association, served, power, noise=0.5)
    assert rates[0] == rates[1] == 0  # not served
    assert rates[3] == pytest.approx(np.log2(1 + 0.6 * 1.0 / (0.5 + 0.9 * 2.0)))
    assert rates[2] == pytest.approx(np.log2(1 + 3.0 * 2.0 / (0.5 + 0.1 * 1.0)))
    cells = F.one_hot(torch.from_numpy(association), 3).double()
    mask = served_mask_from(torch.tensor([[3, -1, 2]]), 4).double()
    torch_rates = rates_torch(torch.from_numpy(gains / 0.5)[None], cells[None], mask, torch.from_numpy(power)[None])
    np.testing.assert_allclose(torch_rates[0].numpy(), rates, rtol=1e-12)
    fhat = full_power_rates(gains, association, pmax=2.0, noise=0.5)
    assert fhat[1] == pytest.approx(np.log2(1 + 2.0 / (0.5 + 2.0 * 0.5)))


def test_round_robin_cycles_through_active_users_in_index_order():
    selector = RoundRobin(np.array([0, 1, 0, 0, 1]), 2)
    everyone = np.ones(5, dtype=bool)
    assert selector.select(everyone).tolist() == [0, 1]
    assert selector.select(everyone).tolist() == [2, 4]
    assert selector.select(np.array([True, True, True, False, False])).tolist() == [0, 1]
    assert selector.select(np.array([False, False, False, False, False])).tolist() == [-1, -1]


def test_loader_and_resilient_preparation(tmp_path):
    path = write_resilient_export(tmp_path / "e.json", configs=2, slots=8, warmup=3, inactive_slot=5)
    export = load_export(path)
    assert export.gains.shape == (2, 8, 6, 2) and export.warmup == 3
    assert not export.active[0, 5, 1] and export.active[0, 4].all()
    assert load_export(path).gains.tobytes() == export.gains.tobytes()  # from the .npz cache
    data = prepare_resilient(export)
    assert data.snr_gains.shape == (2, 5, 6, 2) and data.edge_weights.shape == (2, 5, 6, 6)
    fbar = warmup_averages(export.gains[1], export.association[1], export.active[1], 3, export.pmax, export.noise)
    np.testing.assert_allclose(data.fbar0[1].numpy(), fbar, rtol=1e-6)
    assert not data.active[0, 2, 1]
    with pytest.raises(ExportError, match="expected 'agg-gnn'"):
        prepare_agg(export)


def test_agg_preparation_and_statistics(tmp_path):
    export = load_export(write_agg_export(tmp_path / "a.json", configs=2, slots=6, pairs=4, hops=3), cache=False)
    data = prepare_agg(export)
    assert data.sequences.shape == (2, 6, 4, 3) and data.hops == 3 and data.p0 == 1000
    np.testing.assert_allclose(data.sequences[:, :, :, 0].numpy(), np.log2(1 + 1000 * np.diagonal(export.gains, axis1=2, axis2=3)), rtol=1e-6)
    stats = rate_statistics(np.array([[0.0, 1.0], [2.0, 3.0]]))
    assert stats == {"meanRate": 1.5, "p5Rate": pytest.approx(0.15), "sumRate": 3.0}


def test_bad_exports_are_rejected(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "something-else"}')
    with pytest.raises(ExportError, match="format 'something-else'"):
        load_export(str(bad), cache=False)
    with pytest.raises(ExportError, match="file not found"):
        load_export(str(tmp_path / "absent.json"), cache=False)


def test_agg_wake_pattern_is_read_and_only_awake_nodes_aggregate(tmp_path):
    from training.graph import aggregation_sequences

    export = load_export(write_agg_export(tmp_path / "w.json", configs=2, slots=8, pairs=6, hops=3, awake=0.5), cache=False)
    assert export.awake.shape == (2, 8, 6) and 0 < export.awake.mean() < 1 and export.active.all()
    data = prepare_agg(export)
    assert torch.equal(data.deciding, torch.from_numpy(export.awake))
    x = np.log2(1 + 1000 * np.diagonal(export.gains, axis1=2, axis2=3))
    np.testing.assert_allclose(data.sequences.numpy(), aggregation_sequences(export.gains, x, 3, 0.0, export.awake), rtol=1e-6)
    assert not np.allclose(data.sequences.numpy(), aggregation_sequences(export.gains, x, 3, 0.0), rtol=1e-3)
    synchronous = load_export(write_agg_export(tmp_path / "s.json", configs=1, slots=2, pairs=3), cache=False)
    assert synchronous.awake.all()
