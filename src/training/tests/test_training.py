import json
import shlex

import numpy as np
import torch

from training import train_agg, train_resilient
from training.artifact import load_artifact


def run(module, files, out, seed, extra=()):
    train, val = files
    argv = ["--out", str(out), "--seed", str(seed), "--epochs", "2", "--batch", "2",
            "--train-file", train, "--val-file", val, "--test-configs", "0", "--quiet", *extra]
    args = module.parse_args(argv)
    args.argv = argv  # as main() records it
    return module.train(args)


def same_run(a, b):
    state_a, state_b = a["model"].state_dict(), b["model"].state_dict()
    weights_equal = all(torch.equal(state_a[k], state_b[k]) for k in state_a)
    strip = lambda h: [{k: v for k, v in row.items() if k != "seconds"} for row in h]
    return weights_equal and strip(a["history"]) == strip(b["history"])


def test_resilient_training_is_reproducible_for_a_seed(resilient_files, tmp_path):
    first = run(train_resilient, resilient_files, tmp_path / "a", seed=7)
    again = run(train_resilient, resilient_files, tmp_path / "b", seed=7)
    other = run(train_resilient, resilient_files, tmp_path / "c", seed=8)
    assert same_run(first, again)
    assert not same_run(first, other)
    manifest, model = load_artifact(str(tmp_path / "a"))
    assert manifest["architecture"] == "resilient-gnn" and manifest["training"]["seed"] == 7
    assert manifest["training"]["configurations"] == {"train": 4, "validation": 2}
    assert (tmp_path / "a" / "curves.png").stat().st_size > 0
    assert len((tmp_path / "a" / "history.csv").read_text().splitlines()) == 3
    # the saved weights are the best validation epoch's
    assert manifest["validation"]["p5Rate"] == max(row["val_p5"] for row in first["history"])
    # slack.csv: one line per training configuration and user, large-scale SIR from the gains, the final duals
    lines = (tmp_path / "a" / "slack.csv").read_text().splitlines()
    assert lines[0] == "configuration,user,sir_db,slack,mu"
    users = len(lines[1:]) // 4
    assert len(lines) == 1 + 4 * users and users > 1
    rows = [line.split(",") for line in lines[1:]]
    assert all(float(r[3]) >= 0 and float(r[4]) >= 0 for r in rows)
    assert any(float(r[3]) > 0 for r in rows), "the slack moved during training"
    sir = [float(r[2]) for r in rows]
    assert len(set(sir)) > 1 and all(np.isfinite(sir))
    assert (tmp_path / "a" / "slack.png").stat().st_size > 0


def test_resilient_variants_run(resilient_files, tmp_path):
    mu0 = run(train_resilient, resilient_files, tmp_path / "mu0", seed=1, extra=["--mu-zero", "--follow", "sampled", "--utility", "sum"])
    assert all(row["avg_mu"] == 0 for row in mu0["history"])
    assert not (tmp_path / "mu0" / "slack.csv").exists()


def test_agg_training_is_reproducible_for_a_seed(agg_files, tmp_path):
    first = run(train_agg, agg_files, tmp_path / "a", seed=3)
    again = run(train_agg, agg_files, tmp_path / "b", seed=3)
    assert same_run(first, again)
    manifest, model = load_artifact(str(tmp_path / "a"))
    assert manifest["architecture"] == "agg-gnn" and manifest["hyperparameters"]["sequenceLength"] == 3
    assert len(manifest["inputs"]["scale"]) == 3 and all(s > 0 for s in manifest["inputs"]["scale"])
    json.dumps(manifest)


def test_held_actions_follow_the_controllers_asynchronous_execution():
    # Two links over five slots: a deciding node transmits its draw, an inactive link nothing, an asleep one
    # what it transmitted the slot before (nothing before its first decision).
    draws = torch.tensor([[[1., 1.], [1., 0.], [0., 0.], [0., 1.], [1., 1.]]])
    deciding = torch.tensor([[[False, True], [True, False], [False, False], [True, False], [False, False]]])
    active = torch.tensor([[[True, True], [True, True], [True, False], [True, True], [True, True]]])
    held = train_agg.held_actions(draws, deciding, active)[0].T
    assert held.tolist() == [[0, 1, 1, 0, 0], [1, 1, 0, 0, 0]]
    everyone = torch.ones_like(deciding)
    assert torch.equal(train_agg.held_actions(draws, everyone, everyone), draws)


def test_agg_training_on_a_wake_pattern_is_reproducible_and_says_so(tmp_path):
    from .conftest import write_agg_export

    files = (write_agg_export(tmp_path / "t.json", seed=1, configs=4, awake=0.5),
             write_agg_export(tmp_path / "v.json", seed=2, configs=2, awake=0.5))
    first = run(train_agg, files, tmp_path / "a", seed=3, extra=("--baselines", "every:2(wmmse-budget:{K})"))
    assert same_run(first, run(train_agg, files, tmp_path / "b", seed=3))
    # The recorded command is one a shell runs as it was given (the parentheses quoted).
    command = shlex.split(first["manifest"]["training"]["command"])
    assert command[:4] == ["PYTHONPATH=src", "/usr/bin/python3", "-m", "training.train_agg"]
    assert command[command.index("--baselines") + 1] == "every:2(wmmse-budget:{K})"
    assert first["manifest"]["inputs"]["activity"].startswith("asynchronous: each pair awake with probability 0.5")
    synchronous = run(train_agg, (write_agg_export(tmp_path / "t1.json", seed=1, configs=4),
                                  write_agg_export(tmp_path / "v1.json", seed=2, configs=2)), tmp_path / "c", seed=3)
    assert synchronous["manifest"]["inputs"]["activity"] == "synchronous (all nodes active)"


def test_evaluate_cli_scores_an_artifact_on_an_export(resilient_files, agg_files, tmp_path, capsys):
    from training import evaluate

    run(train_resilient, resilient_files, tmp_path / "r", seed=1)
    run(train_agg, agg_files, tmp_path / "g", seed=1)
    assert evaluate.main(["--artifact", str(tmp_path / "r"), "--export", resilient_files[1], "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["data"]["configurations"] == 2 and 0 <= result["model"]["p5Rate"] <= result["model"]["meanRate"]
    assert evaluate.main(["--artifact", str(tmp_path / "g"), "--export", agg_files[1]]) == 0
    assert "power" in capsys.readouterr().out
    assert evaluate.main(["--artifact", str(tmp_path / "missing"), "--export", agg_files[1]]) == 2


def test_fmin_reaches_the_export_settings_and_the_artifact_name(resilient_files, tmp_path):
    plain = train_resilient.parse_args(["--out", str(tmp_path)])
    given = train_resilient.parse_args(["--out", str(tmp_path), "--fmin", "0.25"])
    assert train_resilient._settings(plain) == {"aps": 4, "users": 40}
    assert train_resilient._settings(given) == {"aps": 4, "users": 40, "fmin": "0.25"}
    run(train_resilient, resilient_files, tmp_path / "f", seed=1, extra=["--fmin", "0.25", "--mu-zero"])
    manifest, _ = load_artifact(str(tmp_path / "f"))
    assert manifest["name"] == "resilient-gnn-m4-n40-fmin0.25-mu0"
    assert manifest["training"]["settings"]["fmin"] == "0.25"
