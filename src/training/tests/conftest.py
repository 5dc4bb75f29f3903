"""Shared fixtures: small synthetic `controller-instances/1` exports (same layout as `controller scenario
export`), so the tests need neither the .NET build nor large files."""

from __future__ import annotations

import json
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))


def write_resilient_export(path, seed=0, configs=3, slots=12, warmup=4, aps=2, users=6, inactive_slot=None):
    """resilient-rrm-like instances: gains in mW-like magnitudes around the noise, users spread over APs."""
    rng = np.random.default_rng(seed)
    noise = 4e-11
    instances = []
    for c in range(configs):
        association = [int(u % aps) for u in range(users)]
        base = 10 ** rng.uniform(-13, -8, size=(users, aps))
        slot_list = []
        for s in range(slots):
            gain = base * rng.exponential(size=(users, aps))
            slot = {"gain": gain.tolist()}
            if inactive_slot is not None and s == inactive_slot:
                active = [True] * users
                active[1] = False
                slot["active"] = active
            slot_list.append(slot)
        instances.append({"index": c, "transmitters": None, "receivers": None, "association": association,
                          "demands": [1.0] * users, "slots": slot_list})
    doc = {"format": "controller-instances/1", "scenario": "resilient-rrm", "seed": seed,
           "settings": {"aps": str(aps), "users": str(users), "warmup": str(warmup)}, "noise": noise, "pmax": 10,
           "powerBudget": 10 * aps, "powerUnit": "mW", "slots": slots, "warmup": warmup, "instances": instances}
    with open(path, "w") as f:
        json.dump(doc, f)
    return str(path)


def write_agg_export(path, seed=0, configs=3, slots=10, pairs=5, hops=3, awake=None):
    """agg-gnn-like instances; with `awake` (a probability) each slot carries the pairs' wake flags."""
    rng = np.random.default_rng(seed)
    instances = []
    for c in range(configs):
        base = 10 ** rng.uniform(-4, 0, size=(pairs, pairs))
        np.fill_diagonal(base, 10 ** rng.uniform(-2, 0, size=pairs))
        slot_list = [{"gain": (base * rng.exponential(size=(pairs, pairs))).tolist()} for _ in range(slots)]
        if awake is not None:
            for slot in slot_list:
                slot["awake"] = (rng.uniform(size=pairs) < awake).tolist()
        instances.append({"index": c, "transmitters": None, "receivers": None, "association": None,
                          "demands": [0.0] * pairs, "slots": slot_list})
    doc = {"format": "controller-instances/1", "scenario": "agg-gnn", "seed": seed,
           "settings": {"pairs": str(pairs), "delta": "0.3", "hops": str(hops), "edgeThreshold": "0", "p0": "1000",
                        **({"awake": str(awake)} if awake is not None else {})},
           "noise": 1, "pmax": 1000, "powerBudget": pairs * 500, "powerUnit": "", "slots": slots, "warmup": 0,
           "instances": instances}
    with open(path, "w") as f:
        json.dump(doc, f)
    return str(path)


@pytest.fixture
def resilient_files(tmp_path):
    return (write_resilient_export(tmp_path / "resilient-train.json", seed=1, configs=4),
            write_resilient_export(tmp_path / "resilient-val.json", seed=2, configs=2))


@pytest.fixture
def agg_files(tmp_path):
    return (write_agg_export(tmp_path / "agg-train.json", seed=1, configs=4),
            write_agg_export(tmp_path / "agg-val.json", seed=2, configs=2))
