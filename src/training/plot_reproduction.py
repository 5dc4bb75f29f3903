"""Charts of paper 004's sweeps from `controller reproduce ... --json` output.

    dotnet src/Controller.Host/bin/Release/net10.0/controller.dll reproduce agg-gnn --json > agg.json
    PYTHONPATH=src /usr/bin/python3 -m training.plot_reproduction --json agg.json --out agg-gnn.png

`agg-gnn`: sum rate of the budget-keeping WMMSE against the age of its channel (0 = current), with Agg-GNN
as a line. `agg-gnn-hops`: sum rate against the aggregation length K for Agg-GNN, WMMSE on the current
channel and WMMSE one slot late. `agg-gnn-async`: the synchronous m = 50 channel-age sweep beside bars of the
asynchronous comparison. Other reproductions are tables only; asking for one is an error.
"""

from __future__ import annotations

import argparse
import json
import sys

from .artifact import headless_pyplot

PLOTTED = ("agg-gnn", "agg-gnn-hops", "agg-gnn-async")

# Bars of `reproduce agg-gnn-async`'s asynchronous row: its JSON field, the bar's label.
ASYNC_BARS = (("aggGnnSumRate", "Agg-GNN\n(trained async)"), ("synchronousModelSumRate", "Agg-GNN\n(trained sync)"),
              ("equalPowerSumRate", "equal\npower"), ("every2RandomFullPowerSumRate", "random full\npower, every 2"),
              ("every2WmmseBudget6SumRate", "WMMSE,\nevery 2"))


class PlotError(ValueError):
    pass


def _rows(report: dict) -> list[dict]:
    rows = report.get("rows")
    if not isinstance(rows, list) or not rows:
        raise PlotError("the JSON has no 'rows' (expected the output of `controller reproduce NAME --json`)")
    return rows


def channel_age_series(report: dict) -> tuple[list[int], list[float], float]:
    """(ages D = 0..K, wmmse-budget:K sum rate at each age, Agg-GNN sum rate) from `reproduce agg-gnn --json`."""
    first = _rows(report)[0]
    try:
        gnn = float(first["aggGnnSumRate"])
        budget_keys = sorted((k for k in first if k.startswith("wmmseBudget") and k.endswith("SumRate") and "Delay" not in k))
        if len(budget_keys) != 1:
            raise KeyError("wmmseBudget<K>SumRate")
        stem = budget_keys[0][: -len("SumRate")]
        ages, rates = [0], [float(first[budget_keys[0]])]
        age = 1
        while f"{stem}Delay{age}SumRate" in first:
            ages.append(age)
            rates.append(float(first[f"{stem}Delay{age}SumRate"]))
            age += 1
    except (KeyError, TypeError, ValueError) as e:
        raise PlotError(f"the first row lacks {e} (is this `reproduce agg-gnn --json`?)") from None
    return ages, rates, gnn


def hops_series(report: dict) -> tuple[list[int], list[float], list[float], list[float]]:
    """(K, Agg-GNN, WMMSE current, WMMSE one slot late) from `reproduce agg-gnn-hops --json`."""
    per_k = [r for r in _rows(report) if "hops" in r]
    if not per_k:
        raise PlotError("no row carries 'hops' (is this `reproduce agg-gnn-hops --json`?)")
    per_k.sort(key=lambda r: r["hops"])
    return ([int(r["hops"]) for r in per_k], [float(r["aggGnnSumRate"]) for r in per_k],
            [float(r["wmmseBudgetSumRate"]) for r in per_k], [float(r["wmmseBudgetDelay1SumRate"]) for r in per_k])


def async_series(report: dict) -> tuple[float, list[tuple[str, float]]]:
    """(synchronous Agg-GNN sum rate, [(bar label, sum rate)] of the asynchronous setting) from
    `reproduce agg-gnn-async --json`."""
    rows = _rows(report)
    asynchronous = next((r for r in rows if str(r.get("label", "")).startswith("asynchronous:") and "aggGnnSumRate" in r), None)
    if asynchronous is None or "aggGnnSumRate" not in rows[0]:
        raise PlotError("no asynchronous row with 'aggGnnSumRate' (is this `reproduce agg-gnn-async --json`?)")
    try:
        bars = [(label, float(asynchronous[key])) for key, label in ASYNC_BARS]
    except KeyError as e:
        raise PlotError(f"the asynchronous row lacks {e}") from None
    return float(rows[0]["aggGnnSumRate"]), bars


def _plot_async(plt, report: dict, out: str) -> None:
    ages, rates, gnn = channel_age_series(report)
    synchronous, bars = async_series(report)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.0))
    left.plot(ages, rates, "o-", label="WMMSE within the budget, channel D slots old")
    left.axhline(gnn, color="C1", label="Agg-GNN, synchronous")
    left.set_xlabel("age of WMMSE's channel information D (slots)")
    left.set_ylabel("sum rate (bps/Hz)")
    left.set_title("m = 50, K = 6, synchronous")
    left.legend(fontsize=8)
    left.grid(alpha=0.3)
    labels, values = zip(*bars)
    right.bar(range(len(values)), values, color=["C1", "C3", "C7", "C7", "C0"])
    right.axhline(synchronous, color="C1", linestyle="--", label="Agg-GNN, synchronous")
    right.set_xticks(range(len(values)))
    right.set_xticklabels(labels, fontsize=8)
    right.set_ylabel("sum rate (bps/Hz)")
    right.set_title("asynchronous: each pair awake with probability 0.5")
    right.legend(fontsize=8, loc="lower right")
    right.grid(alpha=0.3, axis="y")
    fig.suptitle(f"agg-gnn-async (seed {report.get('seed')})")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def plot(report: dict, out: str) -> None:
    name = report.get("name")
    if name not in PLOTTED:
        raise PlotError(f"no chart for reproduction '{name}'; charts exist for {', '.join(PLOTTED)}")
    plt = headless_pyplot()
    if name == "agg-gnn-async":
        _plot_async(plt, report, out)
        return

    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    seed = report.get("seed")
    if name == "agg-gnn":
        ages, rates, gnn = channel_age_series(report)
        ax.plot(ages, rates, "o-", label="WMMSE within the budget, on the channel D slots old")
        ax.axhline(gnn, color="C1", label="Agg-GNN (local state, aggregates 1..K-1 slots old)")
        ax.set_xlabel("age of WMMSE's channel information D (slots)")
        ax.set_title(f"agg-gnn: sum rate against channel age (seed {seed})")
    else:
        hops, gnn, current, late = hops_series(report)
        ax.plot(hops, gnn, "o-", label="Agg-GNN (one model per K)")
        ax.plot(hops, current, "s--", label="WMMSE, K iterations, current channel")
        ax.plot(hops, late, "^:", label="WMMSE, K iterations, one slot late")
        ax.set_xlabel("aggregation length K (= WMMSE iterations)")
        ax.set_xticks(hops)
        ax.set_title(f"agg-gnn-hops: sum rate against K (seed {seed})")
    ax.set_ylabel("sum rate (bps/Hz)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="training.plot_reproduction", description=__doc__.split("\n\n")[0])
    p.add_argument("--json", required=True, help="output of `controller reproduce NAME --json` ('-' for stdin)")
    p.add_argument("--out", required=True, help="PNG file to write")
    args = p.parse_args(argv)
    try:
        text = sys.stdin.read() if args.json == "-" else open(args.json, encoding="utf-8").read()
        plot(json.loads(text), args.out)
    except (OSError, json.JSONDecodeError, PlotError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
