"""Writing and loading `controller-policy/1` artifacts (ARTIFACT_FORMAT.md): model.safetensors,
manifest.json, history.csv and curves.png."""

from __future__ import annotations

import csv
import datetime
import json
import math
import os
import subprocess

import numpy as np
import torch

from . import FORMAT
from .models import AggGnnCnn, ResilientGnn
from .safetensors_io import SafetensorsError, read_safetensors, write_safetensors

ARCHITECTURES = ("resilient-gnn", "agg-gnn")


class ArtifactError(ValueError):
    """An artifact that cannot be loaded; the message names the file and the problem."""


def code_version() -> str:
    """The git commit of the training code, with `+dirty` when src/training has uncommitted changes."""
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=10)
        if commit.returncode != 0:
            return "unknown"
        status = subprocess.run(["git", "status", "--porcelain", "--", "."], cwd=here, capture_output=True, text=True, timeout=10)
        return commit.stdout.strip() + ("+dirty" if status.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def utc_now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def save_artifact(directory: str, model: torch.nn.Module, manifest: dict, history: list[dict] | None = None,
                  curves: list[tuple[str, list[str]]] | None = None) -> None:
    """Writes the artifact; `curves` lists (panel title, history columns) for curves.png."""
    os.makedirs(directory, exist_ok=True)
    write_safetensors(os.path.join(directory, "model.safetensors"), model.state_dict())
    with open(os.path.join(directory, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    if history:
        with open(os.path.join(directory, "history.csv"), "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(history[0]))
            writer.writeheader()
            for row in history:
                writer.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in row.items()})
        if curves:
            plot_curves(os.path.join(directory, "curves.png"), history, curves, manifest.get("name", ""))


def headless_pyplot():
    """matplotlib.pyplot on the file-only Agg backend (no display on training machines or in CI)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_curves(path: str, history: list[dict], panels: list[tuple[str, list[str]]], title: str) -> None:
    plt = headless_pyplot()

    epochs = [row["epoch"] for row in history]
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.4))
    for ax, (panel, columns) in zip(np.atleast_1d(axes), panels):
        for column in columns:
            ax.plot(epochs, [row[column] for row in history], label=column)
        ax.set_title(panel)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def expected_shapes(architecture: str, h: dict) -> dict[str, list[int]]:
    """Tensor name -> shape implied by the hyperparameters."""
    if architecture == "resilient-gnn":
        layers, hidden = int(h["layers"]), int(h["hidden"])
        shapes = {}
        for l in range(layers):
            width = 1 if l == 0 else hidden
            shapes[f"layers.{l}.w1.weight"] = [hidden, width]
            shapes[f"layers.{l}.w1.bias"] = [hidden]
            shapes[f"layers.{l}.w2.weight"] = [hidden, width]
            shapes[f"layers.{l}.w3.weight"] = [hidden, width]
        shapes.update({"power.weight": [1, hidden], "power.bias": [1], "selection.weight": [1, hidden], "selection.bias": [1]})
        return shapes
    if architecture == "agg-gnn":
        shapes = {}
        for l in range(int(h["layers"])):
            shapes[f"conv.{l}.weight"] = [1, 1, int(h["filterLength"])]
            shapes[f"conv.{l}.bias"] = [1]
        return shapes
    raise ArtifactError(f"unknown architecture {architecture!r}")


def load_artifact(directory: str) -> tuple[dict, torch.nn.Module]:
    """Loads and validates an artifact directory; returns (manifest, model in eval mode)."""
    manifest_path = os.path.join(directory, "manifest.json")
    weights_path = os.path.join(directory, "model.safetensors")
    if not os.path.isfile(manifest_path):
        raise ArtifactError(f"{manifest_path}: file not found")
    try:
        with open(manifest_path) as f:
            manifest = json.load(f)
    except json.JSONDecodeError as e:
        raise ArtifactError(f"{manifest_path}: not valid JSON ({e})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else None
        raise ArtifactError(f"{manifest_path}: format {found!r}, expected {FORMAT!r}")
    architecture = manifest.get("architecture")
    if architecture not in ARCHITECTURES:
        raise ArtifactError(f"{manifest_path}: unknown architecture {architecture!r} (known: {', '.join(ARCHITECTURES)})")
    h = manifest.get("hyperparameters")
    try:
        shapes = expected_shapes(architecture, h)
    except (KeyError, TypeError, ValueError) as e:
        raise ArtifactError(f"{manifest_path}: hyperparameters of '{architecture}' are incomplete or invalid ({e})") from None
    if not os.path.isfile(weights_path):
        raise ArtifactError(f"{weights_path}: file not found")
    try:
        tensors, metadata = read_safetensors(weights_path)
    except SafetensorsError as e:
        raise ArtifactError(str(e)) from None
    if metadata.get("format") != FORMAT:
        raise ArtifactError(f"{weights_path}: metadata format {metadata.get('format')!r}, expected {FORMAT!r}")
    missing = sorted(set(shapes) - set(tensors))
    extra = sorted(set(tensors) - set(shapes))
    if missing:
        raise ArtifactError(f"{weights_path}: missing tensor '{missing[0]}'")
    if extra:
        raise ArtifactError(f"{weights_path}: unexpected tensor '{extra[0]}' for {architecture} {h}")
    for name, shape in shapes.items():
        if list(tensors[name].shape) != shape:
            raise ArtifactError(f"{weights_path}: tensor '{name}' has shape {list(tensors[name].shape)}, the hyperparameters imply {shape}")
    if architecture == "resilient-gnn":
        model = ResilientGnn.from_hyperparameters(h)
    else:
        scale = manifest.get("inputs", {}).get("scale")
        k = int(h["sequenceLength"])
        if not isinstance(scale, list) or len(scale) != k or not all(isinstance(s, (int, float)) and math.isfinite(s) and s > 0 for s in scale):
            raise ArtifactError(f"{manifest_path}: inputs.scale must list {k} finite positive numbers")
        model = AggGnnCnn.from_hyperparameters(h, scale)
    model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in tensors.items()})
    model.eval()
    return manifest, model
