"""The `torch` inference backend (ARTIFACT_FORMAT.md, "The torch worker protocol").

    /usr/bin/python3 -m training.worker --artifact DIR [--device cpu|cuda]     (src/ on PYTHONPATH)

Writes `{"ready": true, "architecture": ..., "device": ...}` first, then answers one JSON request per stdin
line with one JSON line on stdout; a bad request gets `{"id": ..., "error": "one sentence"}` and the worker
keeps serving. `PolicyWorker.handle` is the same logic as a function (the tests call it directly).
Computation is in float64 so that the only difference to another implementation is the order of sums.
"""

from __future__ import annotations

import argparse
import json
import math
import sys

import torch

from .artifact import ArtifactError, load_artifact
from .graph import dense_from_edges


class RequestError(ValueError):
    """A request the worker cannot answer; the message is one sentence for the caller."""


class PolicyWorker:
    """Serves one artifact on one device."""

    def __init__(self, artifact: str, device: str | None = None):
        if device is None:
            device = "cuda" if torch.cuda.is_available() else "cpu"
        if device == "cuda" and not torch.cuda.is_available():
            raise ArtifactError("device 'cuda' was requested but torch sees no CUDA device")
        self.device = torch.device(device)
        self.manifest, model = load_artifact(artifact)
        self.architecture = self.manifest["architecture"]
        self.model = model.double().to(self.device)
        if self.architecture == "agg-gnn":
            self.model.scale = self.model.scale.double().to(self.device)
            self.length = self.model.sequence_length

    def ready(self) -> dict:
        return {"ready": True, "architecture": self.architecture, "device": self.device.type}

    def handle(self, request: object) -> dict:
        """Answers one decoded request; errors become `{"id", "error"}`."""
        rid = request.get("id") if isinstance(request, dict) else None
        try:
            if not isinstance(request, dict):
                raise RequestError("a request must be a JSON object")
            with torch.no_grad():
                body = self._resilient(request) if self.architecture == "resilient-gnn" else self._agg(request)
            return {"id": rid, **body}
        except RequestError as e:
            return {"id": rid, "error": str(e)}
        except Exception as e:  # an unexpected failure must not stop the worker serving later requests
            return {"id": rid, "error": f"internal error: {type(e).__name__}: {e}"}

    def handle_line(self, line: str) -> str:
        try:
            request = json.loads(line)
        except json.JSONDecodeError as e:
            return json.dumps({"id": None, "error": f"the line is not valid JSON ({e.msg} at column {e.colno})"})
        response = self.handle(request)
        try:
            return json.dumps(response, allow_nan=False)
        except ValueError:
            return json.dumps({"id": response.get("id"), "error": "the model produced non-finite values for this request"})

    def _resilient(self, r: dict) -> dict:
        for key in ("features", "edges", "cellOf", "active", "cells", "pmax"):
            if key not in r:
                raise RequestError(f"a resilient-gnn request needs '{key}'")
        cells, pmax = r["cells"], r["pmax"]
        if not _is_int(cells) or cells < 1:
            raise RequestError("'cells' must be a positive integer")
        if not _is_number(pmax) or not pmax > 0:
            raise RequestError("'pmax' must be a positive finite number")
        graphs = len(_list(r["features"], "features"))
        for key in ("edges", "cellOf", "active"):
            if len(_list(r[key], key)) != graphs:
                raise RequestError(f"'{key}' lists {len(r[key])} graphs but 'features' lists {graphs}")
        powers, selections = [], []
        for g in range(graphs):
            features = _numbers(r["features"][g], f"features[{g}]")
            n = len(features)
            cell_of = _list(r["cellOf"][g], f"cellOf[{g}]")
            active = _list(r["active"][g], f"active[{g}]")
            if len(cell_of) != n or len(active) != n:
                raise RequestError(f"graph {g} has {n} features but {len(cell_of)} cellOf and {len(active)} active entries")
            if not all(_is_int(c) and 0 <= c < cells for c in cell_of):
                raise RequestError(f"cellOf[{g}] must hold cell indices in [0, {cells})")
            if not all(isinstance(a, bool) for a in active):
                raise RequestError(f"active[{g}] must hold booleans")
            edges = r["edges"][g]
            if not isinstance(edges, dict) or not all(k in edges for k in ("src", "dst", "weight")):
                raise RequestError(f"edges[{g}] must be an object with 'src', 'dst' and 'weight'")
            src, dst = _list(edges["src"], f"edges[{g}].src"), _list(edges["dst"], f"edges[{g}].dst")
            weight = _numbers(edges["weight"], f"edges[{g}].weight")
            if not (len(src) == len(dst) == len(weight)):
                raise RequestError(f"edges[{g}] has {len(src)} src, {len(dst)} dst and {len(weight)} weight entries")
            if not all(_is_int(v) and 0 <= v < n for v in src + dst):
                raise RequestError(f"edges[{g}] refers to nodes outside [0, {n})")
            x = torch.tensor(features, dtype=torch.float64, device=self.device).unsqueeze(0)
            w = dense_from_edges(n, src, dst, weight, dtype=torch.float64).to(self.device).unsqueeze(0)
            one_hot = torch.zeros(1, n, cells, dtype=torch.float64, device=self.device)
            if n:
                one_hot[0, torch.arange(n), torch.tensor(cell_of, dtype=torch.long)] = 1
            act = torch.tensor(active, dtype=torch.bool, device=self.device).reshape(1, n)
            power, log_pi = self.model(x, w, one_hot, act, float(pmax))
            powers.append(power[0].cpu().tolist())
            selections.append(torch.exp(log_pi[0]).cpu().tolist())
        return {"power": powers, "selection": selections}

    def _agg(self, r: dict) -> dict:
        if "sequences" not in r:
            raise RequestError("an agg-gnn request needs 'sequences'")
        rows = _list(r["sequences"], "sequences")
        values = []
        for i, row in enumerate(rows):
            row = _numbers(row, f"sequences[{i}]")
            if len(row) != self.length:
                raise RequestError(f"sequences[{i}] has {len(row)} values; the artifact's sequence length is {self.length}")
            values.append(row)
        if not values:
            return {"probability": []}
        q = self.model(torch.tensor(values, dtype=torch.float64, device=self.device))
        return {"probability": q.cpu().tolist()}


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _list(v, name: str) -> list:
    if not isinstance(v, list):
        raise RequestError(f"'{name}' must be a list")
    return v


def _numbers(v, name: str) -> list:
    v = _list(v, name)
    if not all(_is_number(x) for x in v):
        raise RequestError(f"'{name}' must hold finite numbers")
    return v


def serve(worker: PolicyWorker, stdin=sys.stdin, stdout=sys.stdout) -> None:
    stdout.write(json.dumps(worker.ready()) + "\n")
    stdout.flush()
    for line in stdin:
        if not line.strip():
            continue
        stdout.write(worker.handle_line(line) + "\n")
        stdout.flush()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="training.worker", description="torch inference worker (controller-policy/1)")
    p.add_argument("--artifact", required=True, help="artifact directory (manifest.json, model.safetensors)")
    p.add_argument("--device", choices=("cpu", "cuda"), help="default: cuda when available, else cpu")
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    try:
        worker = PolicyWorker(args.artifact, args.device)
    except ArtifactError as e:
        print(json.dumps({"ready": False, "error": str(e)}), flush=True)
        print(f"error: {e}", file=sys.stderr)
        return 2
    serve(worker)
    return 0


if __name__ == "__main__":
    sys.exit(main())
