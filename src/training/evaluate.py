"""Evaluates an artifact on an export (unseen configurations) next to the controller's baselines on the
same configurations, the way `controller eval` scores them.

    PYTHONPATH=src /usr/bin/python3 -m training.evaluate --artifact DIR --export FILE [--baselines a,b] [--json]

For resilient-gnn the export must be resilient-rrm (any m, n: the GNN transfers); for agg-gnn, agg-gnn.
"""

from __future__ import annotations

import argparse
import json
import sys

from .artifact import ArtifactError, load_artifact
from .data import ExportError, controller_eval, default_controller, load_export, prepare_agg, prepare_resilient, rate_statistics


def evaluate_artifact(directory: str, export_path: str, baselines: list[str], controller: str, seed: int = 2_000_003) -> dict:
    manifest, model = load_artifact(directory)
    export = load_export(export_path)
    if manifest["architecture"] == "resilient-gnn":
        from .train_resilient import evaluate

        metrics = rate_statistics(evaluate(model, prepare_resilient(export), export.pmax))
    else:
        from .train_agg import evaluate

        metrics = evaluate(model, prepare_agg(export, hops=int(manifest["hyperparameters"]["sequenceLength"])), seed=seed)
    result = {"artifact": manifest.get("name"), "data": export.describe(), "settings": export.settings, "model": metrics, "baselines": {}}
    for policy in baselines:
        result["baselines"][policy] = controller_eval(controller, export.scenario, export.settings, policy, export.seed,
                                                      export.configurations, export.slots)
    return result


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="training.evaluate", description=__doc__.split("\n\n")[0])
    p.add_argument("--artifact", required=True)
    p.add_argument("--export", required=True, help="a `controller scenario export` file")
    p.add_argument("--baselines", default="", help="comma-separated controller policies to score on the same configurations")
    p.add_argument("--controller", default=default_controller())
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    try:
        result = evaluate_artifact(args.artifact, args.export, [b for b in args.baselines.split(",") if b], args.controller)
    except (ArtifactError, ExportError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result))
    else:
        rows = [("model", result["model"])] + list(result["baselines"].items())
        print(f"{result['artifact']} on {result['data']['file']} (seed {result['data']['seed']}, "
              f"{result['data']['configurations']} configurations)")
        for name, m in rows:
            extra = f"  power {m['meanPower']:.0f} / {m['powerBudget']:.0f}" if m.get("meanPower") is not None else ""
            print(f"  {name:20s} mean {m['meanRate']:.4f}  p5 {m['p5Rate']:.4f}  sum {m['sumRate']:.3f}{extra}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
