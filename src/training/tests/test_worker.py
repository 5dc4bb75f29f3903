import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from training import FORMAT
from training.artifact import save_artifact
from training.graph import dense_from_edges, user_graph_edges
from training.models import AggGnnCnn, ResilientGnn
from training.worker import PolicyWorker

SRC = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory):
    root = tmp_path_factory.mktemp("artifacts")
    torch.manual_seed(0)
    gnn = ResilientGnn()
    save_artifact(str(root / "gnn"), gnn, {"format": FORMAT, "name": "gnn", "architecture": "resilient-gnn",
                                           "hyperparameters": gnn.hyperparameters, "inputs": {}})
    agg = AggGnnCnn(4, scale=[1.0, 0.5, 0.2, 0.1])
    save_artifact(str(root / "agg"), agg, {"format": FORMAT, "name": "agg", "architecture": "agg-gnn",
                                           "hyperparameters": agg.hyperparameters, "inputs": {"scale": [1.0, 0.5, 0.2, 0.1]}})
    return {"gnn": str(root / "gnn"), "agg": str(root / "agg"), "gnn_model": gnn, "agg_model": agg}


def resilient_request(rid=7):
    rng = np.random.default_rng(4)
    graphs = []
    for n, m in ((6, 2), (5, 2)):
        association = np.arange(n) % m
        gains = 10 ** rng.uniform(-12, -8, size=(n, m))
        graphs.append((association, user_graph_edges(gains, association, 4e-11, 10.0), rng.uniform(0, 3, n)))
    active = [[True] * 6, [True, False, True, True, True]]
    return {"id": rid, "features": [g[2].tolist() for g in graphs], "edges": [g[1] for g in graphs],
            "cellOf": [g[0].tolist() for g in graphs], "active": active, "cells": 2, "pmax": 10.0}


def test_resilient_answers_match_the_model(artifacts):
    worker = PolicyWorker(artifacts["gnn"], "cpu")
    request = resilient_request()
    response = worker.handle(request)
    assert response["id"] == 7 and len(response["power"]) == 2 and len(response["selection"]) == 2
    model = artifacts["gnn_model"].double()
    for g in range(2):
        n = len(request["features"][g])
        edges = request["edges"][g]
        cells = F.one_hot(torch.tensor(request["cellOf"][g]), 2).double()
        power, log_pi = model(torch.tensor(request["features"][g], dtype=torch.float64)[None],
                              dense_from_edges(n, edges["src"], edges["dst"], edges["weight"], torch.float64)[None],
                              cells[None], torch.tensor(request["active"][g])[None], 10.0)
        np.testing.assert_allclose(response["power"][g], power[0].detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(response["selection"][g], log_pi[0].exp().detach().numpy(), rtol=1e-12)
    assert response["selection"][1][1] == 0.0  # inactive user
    for g in range(2):
        pi = np.array(response["selection"][g])
        for cell in range(2):
            assert pi[np.array(request["cellOf"][g]) == cell].sum() == pytest.approx(1.0)


@pytest.mark.parametrize("mutate, message", [
    (lambda r: r.pop("pmax"), "needs 'pmax'"),
    (lambda r: r.update(cells=0), "'cells' must be a positive integer"),
    (lambda r: r["cellOf"][0].__setitem__(0, 5), r"cell indices in \[0, 2\)"),
    (lambda r: r["edges"][1]["src"].append(99), "edges\\[1\\] has"),
    (lambda r: r["features"][0].__setitem__(0, "x"), "finite numbers"),
    (lambda r: r["active"].pop(), "lists 1 graphs"),
])
def test_resilient_request_errors(artifacts, mutate, message):
    worker = PolicyWorker(artifacts["gnn"], "cpu")
    request = resilient_request(rid="abc")
    mutate(request)
    response = worker.handle(request)
    assert response["id"] == "abc" and set(response) == {"id", "error"}
    assert __import__("re").search(message, response["error"])


def test_worker_process_protocol(artifacts):
    env = {**os.environ, "PYTHONPATH": SRC}
    process = subprocess.Popen([sys.executable, "-m", "training.worker", "--artifact", artifacts["agg"]], env=env,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        ready = json.loads(process.stdout.readline())
        assert ready == {"ready": True, "architecture": "agg-gnn", "device": "cpu"}
        sequences = [[3.0, 1.0, 0.5, 0.2], [0.0, 0.0, 0.0, 0.0], [8.0, 2.0, 1.0, 0.1]]
        lines = [json.dumps({"id": 1, "sequences": sequences}), "this is not json",
                 json.dumps({"id": 2, "sequences": [[1.0, 2.0]]}), json.dumps({"id": 3, "sequences": sequences})]
        process.stdin.write("\n".join(lines) + "\n")
        process.stdin.flush()
        answers = [json.loads(process.stdout.readline()) for _ in lines]
        expected = artifacts["agg_model"](torch.tensor(sequences)).detach().numpy()
        assert answers[0]["id"] == 1
        np.testing.assert_allclose(answers[0]["probability"], expected, rtol=1e-6)
        assert answers[1]["id"] is None and "not valid JSON" in answers[1]["error"]
        assert answers[2] == {"id": 2, "error": "sequences[0] has 2 values; the artifact's sequence length is 4"}
        assert answers[3]["probability"] == answers[0]["probability"]  # still serving after errors
    finally:
        process.stdin.close()
        assert process.wait(timeout=30) == 0
        process.stdout.close()
        process.stderr.close()


def test_worker_process_resilient_and_bad_artifact(artifacts, tmp_path):
    env = {**os.environ, "PYTHONPATH": SRC}
    request = resilient_request(rid=11)
    result = subprocess.run([sys.executable, "-m", "training.worker", "--artifact", artifacts["gnn"], "--device", "cpu"],
                            env=env, input=json.dumps(request) + "\n", capture_output=True, text=True, timeout=60)
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[0]["ready"] and lines[0]["architecture"] == "resilient-gnn"
    assert lines[1]["id"] == 11 and lines[1]["power"] == PolicyWorker(artifacts["gnn"]).handle(request)["power"]
    result = subprocess.run([sys.executable, "-m", "training.worker", "--artifact", str(tmp_path / "missing")],
                            env=env, input="", capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert json.loads(result.stdout)["ready"] is False and "manifest.json: file not found" in result.stderr
