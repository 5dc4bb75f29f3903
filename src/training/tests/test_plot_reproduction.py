import json

import pytest

from training import plot_reproduction as pr


def agg_report():
    row = {"label": "Agg-GNN sum rate - best baseline sum rate", "aggGnnSumRate": 34.1, "wmmse5SumRate": 35.3,
           "wmmse5MeanPower": 16680.0, "wmmseBudget5SumRate": 34.9, "wmmseBudget5MeanPower": 12486.0}
    for d, rate in enumerate([33.8, 33.3, 32.9], start=1):
        row[f"wmmseBudget5Delay{d}SumRate"] = rate
        row[f"wmmseBudget5Delay{d}MeanPower"] = 12486.0
    return {"name": "agg-gnn", "seed": 1, "rows": [row, {"label": "power"}]}


def hops_report():
    rows = [{"label": f"K = {k}", "hops": k, "aggGnnSumRate": 30 + k, "wmmseBudgetSumRate": 31 + k,
             "wmmseBudgetDelay1SumRate": 29 + k} for k in (3, 1, 2)]
    return {"name": "agg-gnn-hops", "seed": 2, "rows": rows + [{"label": "rises"}]}


def async_report():
    first = {"label": "synchronous: power", "aggGnnSumRate": 21.8, "wmmseBudget6SumRate": 22.5}
    for d, rate in enumerate([22.2, 22.0, 21.9], start=1):
        first[f"wmmseBudget6Delay{d}SumRate"] = rate
    second = {"label": "asynchronous: power", "aggGnnSumRate": 21.1, "synchronousModelSumRate": 21.0,
              "equalPowerSumRate": 14.7, "every2RandomFullPowerSumRate": 10.6, "every2WmmseBudget6SumRate": 22.3}
    return {"name": "agg-gnn-async", "seed": 1, "rows": [first, {"label": "x"}, second, {"label": "costs"}]}


def test_async_series_reads_the_asynchronous_row_and_the_synchronous_model():
    synchronous, bars = pr.async_series(async_report())
    assert synchronous == 21.8
    assert [v for _, v in bars] == [21.1, 21.0, 14.7, 10.6, 22.3]
    assert pr.channel_age_series(async_report()) == ([0, 1, 2, 3], [22.5, 22.2, 22.0, 21.9], 21.8)
    broken = async_report()
    del broken["rows"][2]["every2WmmseBudget6SumRate"]
    with pytest.raises(pr.PlotError, match="every2WmmseBudget6SumRate"):
        pr.async_series(broken)


def test_channel_age_series_reads_every_delay_in_order():
    ages, rates, gnn = pr.channel_age_series(agg_report())
    assert ages == [0, 1, 2, 3]
    assert rates == [34.9, 33.8, 33.3, 32.9]
    assert gnn == 34.1


def test_hops_series_sorts_by_k_and_skips_summary_rows():
    hops, gnn, current, late = pr.hops_series(hops_report())
    assert hops == [1, 2, 3]
    assert gnn == [31, 32, 33] and current == [32, 33, 34] and late == [30, 31, 32]


@pytest.mark.parametrize("report", [agg_report(), hops_report(), async_report()])
def test_main_writes_a_png(report, tmp_path):
    source = tmp_path / "report.json"
    source.write_text(json.dumps(report))
    out = tmp_path / "chart.png"
    assert pr.main(["--json", str(source), "--out", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_other_reproductions_and_wrong_json_are_one_line_errors(tmp_path, capsys):
    source = tmp_path / "report.json"
    source.write_text(json.dumps({"name": "wmmse-table1", "rows": [{"label": "x"}]}))
    assert pr.main(["--json", str(source), "--out", str(tmp_path / "a.png")]) == 2
    assert "no chart for reproduction 'wmmse-table1'" in capsys.readouterr().err
    source.write_text(json.dumps({"name": "agg-gnn", "rows": [{"label": "x"}]}))
    assert pr.main(["--json", str(source), "--out", str(tmp_path / "b.png")]) == 2
    assert "is this `reproduce agg-gnn --json`?" in capsys.readouterr().err
    source.write_text("{not json")
    assert pr.main(["--json", str(source), "--out", str(tmp_path / "c.png")]) == 2
    assert not (tmp_path / "c.png").exists()
