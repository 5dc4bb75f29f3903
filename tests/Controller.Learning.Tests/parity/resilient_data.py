"""data.py's `prepare_resilient` on a `controller scenario export` file, for the C# data parity test.

Writes the first CONFIGS configurations' tensors (snr_gains, cells, active as 0/1, fhat, fbar0, edge_weights, fmin) to
OUT as safetensors, with the export's seed, settings and slots as metadata.

    PYTHONPATH=src /usr/bin/python3 tests/Controller.Learning.Tests/parity/resilient_data.py EXPORT.json OUT CONFIGS
"""

from __future__ import annotations

import json
import sys

import torch

from training.data import load_export, prepare_resilient
from training.safetensors_io import write_safetensors


def main(export_path: str, out: str, configs: int) -> int:
    data = prepare_resilient(load_export(export_path))
    k = min(configs, data.configurations)
    tensors = {"snr_gains": data.snr_gains[:k], "cells": data.cells[:k], "active": data.active[:k].float(),
               "fhat": data.fhat[:k], "fbar0": data.fbar0[:k], "edge_weights": data.edge_weights[:k],
               "fmin": torch.from_numpy(data.fmin[:k])}
    export = data.export
    write_safetensors(out, {name: value.numpy() for name, value in tensors.items()},
                      {"seed": str(export.seed), "settings": json.dumps(export.settings), "slots": str(export.slots),
                       "configurations": str(k)})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
