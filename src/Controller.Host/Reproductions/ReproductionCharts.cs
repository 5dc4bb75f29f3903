using ScottPlot;

namespace Controller.Host.Reproductions;

/// <summary>
/// PNG charts of paper 004's sweeps, drawn from a reproduction's rows (<c>controller reproduce NAME --png FILE</c>):
/// <c>agg-gnn</c>: sum rate of the budget-keeping WMMSE against the age of its channel, Agg-GNN as a line;
/// <c>agg-gnn-hops</c>: sum rate against K for Agg-GNN and WMMSE on the current and the one-slot-late channel;
/// <c>agg-gnn-async</c>: the synchronous m = 50 channel-age sweep beside bars of the asynchronous comparison;
/// <c>agg-gnn-transfer</c>: the histogram of per-network sum rates on new networks (Fig. 8) beside sum rate against m'
/// (Figs. 10-11);
/// <c>dbinum-five-users</c>: Psi and the five rates against rounds (paper 000 Fig. 3); <c>dbinum-abilene</c>: Psi of
/// DBiNUM and standard NUM and the four rates against rounds for both parameter sets (Figs. 5-6);
/// <c>isac-pareto</c> and <c>isac-power</c>: paper 002's fronts, worst-case WSR against log10 CRLB, one line per eps or power budget;
/// <c>isac-convergence</c>: hypervolume of BOBLRBF's and BOBLRBF-DNN's fronts against iterations (layers) and against wall time (Fig. 5).
/// <c>alcor-fig1</c>, <c>alcor-table3</c> and <c>alcor-fig4</c>: paper 001's rates and lambdas over time (<see cref="AlcorCharts"/>).
/// </summary>
internal static class ReproductionCharts
{
    /// <summary>The reproductions that have a chart.</summary>
    public static IReadOnlyList<string> Charted { get; } = ["agg-gnn", "agg-gnn-hops", "agg-gnn-async", "agg-gnn-transfer", "dbinum-five-users", "dbinum-abilene", "isac-pareto", "isac-power", "isac-convergence", "alcor-fig1", "alcor-table3", "alcor-fig4"];

    // Bars of agg-gnn-async's asynchronous row: its field, the bar's label.
    private static readonly (string Field, string Label)[] AsyncBars =
    [
        ("aggGnnSumRate", "Agg-GNN\n(trained async)"),
        ("synchronousModelSumRate", "Agg-GNN\n(trained sync)"),
        ("equalPowerSumRate", "equal\npower"),
        ("every2RandomFullPowerSumRate", "random full\npower, every 2"),
        ("every2WmmseBudget6SumRate", "WMMSE,\nevery 2"),
    ];

    /// <summary>Draws the chart of <paramref name="name"/>'s <paramref name="rows"/> into <paramref name="path"/>; throws <see cref="ArgumentException"/> when there is none or the rows lack a series.</summary>
    public static void Draw(string name, ulong seed, IReadOnlyList<ReproductionRow> rows, string path)
    {
        ArgumentNullException.ThrowIfNull(rows);
        switch (name)
        {
            case "alcor-fig1" or "alcor-table3" or "alcor-fig4":
                AlcorCharts.Draw(
                    name switch
                    {
                        "alcor-fig1" => $"alcor-fig1: N = 5, ALCOR (centralized DNN), seed {seed}",
                        "alcor-table3" => $"alcor-table3 (fig. 3): N = 20, ALCOR (centralized DNN), seed {seed}",
                        _ => $"alcor-fig4: alcor-cellular, N = 50, ALCOR (WMMSE), seed {seed}",
                    },
                    rows,
                    path);
                break;

            case "agg-gnn":
                {
                    var plot = new Plot();
                    ChannelAge(plot, rows, $"agg-gnn: sum rate against channel age (seed {seed})");
                    plot.SavePng(path, 720, 450);
                    break;
                }

            case "agg-gnn-hops":
                {
                    var plot = new Plot();
                    Hops(plot, rows, seed);
                    plot.SavePng(path, 720, 450);
                    break;
                }

            case "agg-gnn-async":
                {
                    var multiplot = new Multiplot();
                    multiplot.AddPlots(2);
                    ChannelAge(multiplot.GetPlot(0), rows, "m = 50, K = 6, synchronous");
                    AsyncBarsPanel(multiplot.GetPlot(1), rows);
                    multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
                    multiplot.SavePng(path, 1240, 480);
                    break;
                }

            case "agg-gnn-transfer":
                {
                    var multiplot = new Multiplot();
                    multiplot.AddPlots(2);
                    TransferHistogram(multiplot.GetPlot(0), rows);
                    TransferScale(multiplot.GetPlot(1), rows);
                    multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
                    multiplot.SavePng(path, 1240, 480);
                    break;
                }

            case "dbinum-five-users":
                {
                    var fields = rows.Count > 0 && rows[0].Extra is { } first ? first : throw new ArgumentException("the reproduction has no rows with numbers");
                    var multiplot = new Multiplot();
                    multiplot.AddPlots(2);
                    DbinumUtility(multiplot.GetPlot(0), fields, $"dbinum-five-users: Psi against rounds (seed {seed})", [("standardNumTrueUtility", "standard NUM, alpha = 2"), ("knownUtilityOptimum", "known-utility NUM optimum")]);
                    DbinumRates(multiplot.GetPlot(1), fields, "rates (paper: x2 -> 45.9, x4 = x5 -> 9.9)", [45.9, 9.9]);
                    multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
                    multiplot.SavePng(path, 1240, 480);
                    break;
                }

            case "dbinum-abilene":
                {
                    var sets = rows.Where(r => r.Extra?.ContainsKey("dbinumPsiRound00000") == true).Select(r => r.Extra!).ToArray();
                    if (sets.Length == 0)
                    {
                        throw new ArgumentException("no row carries the dbinumPsi curve (is this dbinum-abilene?)");
                    }

                    var multiplot = new Multiplot();
                    multiplot.AddPlots(2 * sets.Length);
                    for (var i = 0; i < sets.Length; i++)
                    {
                        var figure = sets[i].TryGetValue("figure", out var f) ? f : i + 5;
                        var utility = multiplot.GetPlot(i);
                        DbinumUtility(utility, sets[i], FormattableString.Invariant($"fig. {figure} set: Psi against rounds (seed {seed})"), [], "standardNumPsi");
                        foreach (var (value, label) in new[] { (DbinumAbileneReproduction.PaperDbinum, "text: DBiNUM 1127.06"), (DbinumAbileneReproduction.PaperStandardNum, "text: standard NUM 229.40") })
                        {
                            var line = utility.Add.HorizontalLine(value);
                            line.LinePattern = LinePattern.Dotted;
                            line.LegendText = label;
                        }

                        DbinumRates(multiplot.GetPlot(sets.Length + i), sets[i], FormattableString.Invariant($"fig. {figure} set: DBiNUM rates"), []);
                    }

                    multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(2, sets.Length);
                    multiplot.SavePng(path, 1240, 900);
                    break;
                }

            case "isac-pareto":
                {
                    var plot = new Plot();
                    IsacFronts(plot, rows, "eps", "eps = {0}", $"isac-pareto: fronts for several CSI error bounds (seed {seed})");
                    plot.SavePng(path, 720, 450);
                    break;
                }

            case "isac-power":
                {
                    var plot = new Plot();
                    IsacFronts(plot, rows, "powerDbm", "P = {0} dBm", $"isac-power: fronts for several power budgets (seed {seed})");
                    plot.SavePng(path, 720, 450);
                    break;
                }

            case "isac-convergence":
                {
                    var multiplot = new Multiplot();
                    multiplot.AddPlots(2);
                    IsacConvergence(multiplot.GetPlot(0), rows, useTime: false, $"isac-convergence: hypervolume against iterations (seed {seed})");
                    IsacConvergence(multiplot.GetPlot(1), rows, useTime: true, "hypervolume against wall time");
                    multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
                    multiplot.SavePng(path, 1240, 480);
                    break;
                }

            default:
                throw new ArgumentException($"no chart for reproduction '{name}'; charts exist for {string.Join(", ", Charted)}", nameof(name));
        }
    }

    /// <summary>(ages 0..K, WMMSE-within-budget sum rate at each age, Agg-GNN sum rate) from the first row.</summary>
    internal static (double[] Ages, double[] Rates, double AggGnn) ChannelAgeSeries(IReadOnlyList<ReproductionRow> rows)
    {
        var first = rows.Count > 0 && rows[0].Extra is { } extra ? extra : throw new ArgumentException("the reproduction has no rows with numbers");
        var budget = first.Keys.Where(k => k.StartsWith("wmmseBudget", StringComparison.Ordinal) && k.EndsWith("SumRate", StringComparison.Ordinal) && !k.Contains("Delay", StringComparison.Ordinal)).ToArray();
        if (budget.Length != 1 || !first.TryGetValue("aggGnnSumRate", out var gnn))
        {
            throw new ArgumentException("the first row lacks aggGnnSumRate or one wmmseBudget<K>SumRate (is this agg-gnn?)");
        }

        var stem = budget[0][..^"SumRate".Length];
        var ages = new List<double> { 0 };
        var rates = new List<double> { first[budget[0]] };
        for (var age = 1; first.TryGetValue($"{stem}Delay{age}SumRate", out var rate); age++)
        {
            ages.Add(age);
            rates.Add(rate);
        }

        return ([.. ages], [.. rates], gnn);
    }

    /// <summary>(K, Agg-GNN, WMMSE on the current channel, WMMSE one slot late) over the rows that carry <c>hops</c>.</summary>
    internal static (double[] Hops, double[] AggGnn, double[] Current, double[] Late) HopsSeries(IReadOnlyList<ReproductionRow> rows)
    {
        var perK = rows.Where(r => r.Extra?.ContainsKey("hops") == true).OrderBy(r => r.Extra!["hops"]).ToArray();
        if (perK.Length == 0)
        {
            throw new ArgumentException("no row carries 'hops' (is this agg-gnn-hops?)");
        }

        double[] Series(string field) => [.. perK.Select(r => r.Extra!.TryGetValue(field, out var v) ? v : throw new ArgumentException($"a row lacks {field}"))];
        return (Series("hops"), Series("aggGnnSumRate"), Series("wmmseBudgetSumRate"), Series("wmmseBudgetDelay1SumRate"));
    }

    /// <summary>Per front row (the rows that carry <paramref name="key"/>): the key's value and the points (CRLB, worst-case WSR) by CRLB.</summary>
    internal static IReadOnlyList<(double Value, double[] Crlb, double[] Wsr)> IsacFrontSeries(IReadOnlyList<ReproductionRow> rows, string key)
    {
        var fronts = rows.Where(r => r.Extra?.ContainsKey(key) == true).ToArray();
        if (fronts.Length == 0)
        {
            throw new ArgumentException($"no row carries '{key}' (is this an isac reproduction?)");
        }

        return [.. fronts.Select(r =>
        {
            var extra = r.Extra!;
            var crlb = new List<double>();
            var wsr = new List<double>();
            for (var k = 0; extra.TryGetValue($"crlb{k}", out var c) && extra.TryGetValue($"wsr{k}", out var w); k++)
            {
                crlb.Add(c);
                wsr.Add(w);
            }

            return (extra[key], crlb.ToArray(), wsr.ToArray());
        })];
    }

    /// <summary>Per method (0 = BOBLRBF, 1 = BOBLRBF-DNN) of isac-convergence: (iterations or layers, wall seconds, hypervolume) by budget.</summary>
    internal static IReadOnlyList<(int Method, double[] Iterations, double[] Seconds, double[] Hypervolume)> IsacConvergenceSeries(IReadOnlyList<ReproductionRow> rows)
    {
        var points = rows.Where(r => r.Extra?.ContainsKey("method") == true && r.Extra.ContainsKey("wallSeconds")).Select(r => r.Extra!).ToArray();
        if (points.Length == 0)
        {
            throw new ArgumentException("no row carries 'method' and 'wallSeconds' (is this isac-convergence?)");
        }

        return [.. points.GroupBy(p => (int)p["method"]).OrderBy(g => g.Key).Select(g =>
        {
            var ordered = g.OrderBy(p => p["iterations"]).ToArray();
            return (g.Key, ordered.Select(p => p["iterations"]).ToArray(), ordered.Select(p => p["wallSeconds"]).ToArray(), ordered.Select(p => p["hypervolume"]).ToArray());
        })];
    }

    private static void IsacConvergence(Plot plot, IReadOnlyList<ReproductionRow> rows, bool useTime, string title)
    {
        foreach (var (method, iterations, seconds, hypervolume) in IsacConvergenceSeries(rows))
        {
            // Against wall time, markers only: each budget is its own timed run, and on a shared machine the times of
            // neighbouring budgets can come out of order.
            var line = useTime ? plot.Add.ScatterPoints(seconds.Select(s => Math.Log10(Math.Max(s, 1e-6))).ToArray(), hypervolume) : plot.Add.Scatter(iterations, hypervolume);
            line.LegendText = method == 0 ? "BOBLRBF (CPU, subproblems in parallel)" : "BOBLRBF-DNN (CPU, one batched pass)";
        }

        plot.Axes.Bottom.Label.Text = useTime ? "log10 wall time (s)" : "iterations (BOBLRBF) / layers (BOBLRBF-DNN)";
        plot.Axes.Left.Label.Text = "hypervolume of the front";
        plot.Axes.Title.Label.Text = title;
        plot.ShowLegend(Alignment.LowerRight);
    }

    private static void IsacFronts(Plot plot, IReadOnlyList<ReproductionRow> rows, string key, string legend, string title)
    {
        foreach (var (value, crlb, wsr) in IsacFrontSeries(rows, key))
        {
            // The line joins the non-dominated points; dominated ones (a subproblem stopped short) are drawn as open markers.
            var dominated = Enumerable.Range(0, crlb.Length)
                .Select(i => Enumerable.Range(0, crlb.Length).Any(o => crlb[o] <= crlb[i] && wsr[o] >= wsr[i] && (crlb[o] < crlb[i] || wsr[o] > wsr[i])))
                .ToArray();
            var kept = Enumerable.Range(0, crlb.Length).Where(i => !dominated[i]).ToArray();
            var line = plot.Add.Scatter(kept.Select(i => Math.Log10(crlb[i])).ToArray(), kept.Select(i => wsr[i]).ToArray());
            line.LegendText = string.Format(System.Globalization.CultureInfo.InvariantCulture, legend, value);
            var others = Enumerable.Range(0, crlb.Length).Where(i => dominated[i]).ToArray();
            if (others.Length > 0)
            {
                var markers = plot.Add.ScatterPoints(others.Select(i => Math.Log10(crlb[i])).ToArray(), others.Select(i => wsr[i]).ToArray());
                markers.Color = line.Color;
                markers.MarkerShape = MarkerShape.OpenCircle;
            }
        }

        plot.Axes.Bottom.Label.Text = "log10 CRLB of the target positions (m^2)";
        plot.Axes.Left.Label.Text = "worst-case weighted sum rate (bps/Hz)";
        plot.Axes.Title.Label.Text = title;
        plot.ShowLegend(Alignment.LowerRight);
    }

    private static void ChannelAge(Plot plot, IReadOnlyList<ReproductionRow> rows, string title)
    {
        var (ages, rates, gnn) = ChannelAgeSeries(rows);
        var wmmse = plot.Add.Scatter(ages, rates);
        wmmse.LegendText = "WMMSE within the budget, channel D slots old";
        var line = plot.Add.HorizontalLine(gnn);
        line.LegendText = "Agg-GNN (local state, aggregates 1..K-1 slots old)";
        line.Color = Colors.DarkOrange;
        plot.Axes.Bottom.Label.Text = "age of WMMSE's channel information D (slots)";
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericFixedInterval(1);
        plot.Axes.Left.Label.Text = "sum rate (bps/Hz)";
        plot.Axes.Title.Label.Text = title;
        plot.ShowLegend(Alignment.LowerLeft);
    }

    private static void Hops(Plot plot, IReadOnlyList<ReproductionRow> rows, ulong seed)
    {
        var (hops, gnn, current, late) = HopsSeries(rows);
        plot.Add.Scatter(hops, gnn).LegendText = "Agg-GNN (one model per K)";
        var now = plot.Add.Scatter(hops, current);
        now.LegendText = "WMMSE, K iterations, current channel";
        now.LinePattern = LinePattern.Dashed;
        var old = plot.Add.Scatter(hops, late);
        old.LegendText = "WMMSE, K iterations, one slot late";
        old.LinePattern = LinePattern.Dotted;
        plot.Axes.Bottom.Label.Text = "aggregation length K (= WMMSE iterations)";
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericFixedInterval(1);
        plot.Axes.Left.Label.Text = "sum rate (bps/Hz)";
        plot.Axes.Title.Label.Text = $"agg-gnn-hops: sum rate against K (seed {seed})";
        plot.ShowLegend(Alignment.LowerRight);
    }

    private static void AsyncBarsPanel(Plot plot, IReadOnlyList<ReproductionRow> rows)
    {
        var asynchronous = rows.FirstOrDefault(r => r.Label.StartsWith("asynchronous:", StringComparison.Ordinal) && r.Extra?.ContainsKey("aggGnnSumRate") == true)
            ?? throw new ArgumentException("no asynchronous row with aggGnnSumRate (is this agg-gnn-async?)");
        var synchronous = rows[0].Extra?.TryGetValue("aggGnnSumRate", out var s) == true ? s : throw new ArgumentException("the first row lacks aggGnnSumRate");
        var ticks = new List<Tick>();
        for (var i = 0; i < AsyncBars.Length; i++)
        {
            var value = asynchronous.Extra!.TryGetValue(AsyncBars[i].Field, out var v) ? v : throw new ArgumentException($"the asynchronous row lacks {AsyncBars[i].Field}");
            var bar = plot.Add.Bar(position: i, value: value);
            bar.Color = i switch { 0 => Colors.DarkOrange, 1 => Colors.FireBrick, 4 => Colors.SteelBlue, _ => Colors.Gray };
            ticks.Add(new Tick(i, AsyncBars[i].Label));
        }

        var line = plot.Add.HorizontalLine(synchronous);
        line.LinePattern = LinePattern.Dashed;
        line.Color = Colors.DarkOrange;
        line.LegendText = "Agg-GNN, synchronous";
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. ticks]);
        plot.Axes.Left.Label.Text = "sum rate (bps/Hz)";
        plot.Axes.Title.Label.Text = "asynchronous: each pair awake with probability 0.5";
        plot.Axes.Margins(bottom: 0);
        plot.ShowLegend(Alignment.LowerRight);
    }

    /// <summary>Per-network sum rates of agg-gnn-transfer's row (b), per series: (label, values).</summary>
    internal static IReadOnlyList<(string Label, double[] Values)> TransferNetworks(IReadOnlyList<ReproductionRow> rows)
    {
        var extra = rows.FirstOrDefault(r => r.Extra?.ContainsKey("network00AggGnnFixed") == true)?.Extra
            ?? throw new ArgumentException("no row carries per-network sum rates (is this agg-gnn-transfer?)");
        double[] Series(string suffix)
        {
            var values = new List<double>();
            for (var i = 0; extra.TryGetValue($"network{i:00}{suffix}", out var value); i++)
            {
                values.Add(value);
            }

            return [.. values];
        }

        return
        [
            ("Agg-GNN trained on one network", Series("AggGnnFixed")),
            ("Agg-GNN trained on random networks", Series("AggGnnRandom")),
            ("WMMSE within budget, one slot late", Series("WmmseDelayed")),
            ("equal power", Series("EqualPower")),
        ];
    }

    private static void TransferHistogram(Plot plot, IReadOnlyList<ReproductionRow> rows)
    {
        var series = TransferNetworks(rows);
        var all = series.SelectMany(s => s.Values).ToArray();
        const int Bins = 12;
        var low = Math.Floor(all.Min());
        var width = (Math.Ceiling(all.Max()) - low) / Bins;
        foreach (var (label, values) in series)
        {
            var counts = new double[Bins + 1];
            foreach (var value in values)
            {
                counts[Math.Min(Bins - 1, (int)((value - low) / width))]++;
            }

            counts[Bins] = counts[Bins - 1];
            var edges = Enumerable.Range(0, Bins + 1).Select(b => low + (b * width)).ToArray();
            var line = plot.Add.Scatter(edges, counts);
            line.ConnectStyle = ConnectStyle.StepHorizontal;
            line.MarkerSize = 0;
            line.LegendText = label;
        }

        plot.Axes.Bottom.Label.Text = "sum rate of one network (bps/Hz)";
        plot.Axes.Left.Label.Text = "networks";
        plot.Axes.Title.Label.Text = "m = 25: new random networks (Fig. 8)";
        plot.ShowLegend(Alignment.UpperLeft);
    }

    private static void TransferScale(Plot plot, IReadOnlyList<ReproductionRow> rows)
    {
        foreach (var trained in new[] { 25.0, 50.0 })
        {
            var perSize = rows.Where(r => r.Extra?.TryGetValue("trainedPairs", out var t) == true && t == trained).OrderBy(r => r.Extra!["pairs"]).ToArray();
            if (perSize.Length == 0)
            {
                continue;
            }

            double[] Field(Func<IReadOnlyDictionary<string, double>, double> pick) => [.. perSize.Select(r => pick(r.Extra!))];
            var sizes = Field(e => e["pairs"]);
            var gnn = plot.Add.Scatter(sizes, Field(e => e["aggGnnSumRate"]));
            gnn.LegendText = $"Agg-GNN trained on one network of {trained}";
            var random = plot.Add.Scatter(sizes, Field(e => e["aggGnnRandomSumRate"]));
            random.LegendText = $"Agg-GNN trained on random networks of {trained}";
            random.LinePattern = LinePattern.DenselyDashed;
            var wmmse = plot.Add.Scatter(sizes, Field(e => e["wmmseBudgetDelay1SumRate"]));
            wmmse.LegendText = $"WMMSE within budget, one slot late (K as trained at {trained})";
            wmmse.LinePattern = LinePattern.Dashed;
            var equal = plot.Add.Scatter(sizes, Field(e => e["equalPowerSumRate"]));
            equal.LegendText = $"equal power (K as trained at {trained})";
            equal.LinePattern = LinePattern.Dotted;
        }

        plot.Axes.Bottom.Label.Text = "pairs m' at the training density";
        plot.Axes.Left.Label.Text = "sum rate (bps/Hz)";
        plot.Axes.Title.Label.Text = "larger networks (Figs. 10-11)";
        plot.ShowLegend(Alignment.UpperLeft);
    }

    // DBiNUM's Psi against rounds, a second sampled series if named, and horizontal lines for named fields.
    private static void DbinumUtility(Plot plot, IReadOnlyDictionary<string, double> fields, string title, (string Field, string Label)[] lines, string? baselineSeries = null)
    {
        var (rounds, psi) = DbinumRuns.ReadSeries(fields, "dbinumPsi");
        if (rounds.Length == 0)
        {
            throw new ArgumentException("the row lacks the dbinumPsi curve");
        }

        var dbinum = plot.Add.Scatter(rounds, psi);
        dbinum.LegendText = "DBiNUM (learned surrogates)";
        dbinum.MarkerSize = 0;
        if (baselineSeries is not null)
        {
            var (baseRounds, basePsi) = DbinumRuns.ReadSeries(fields, baselineSeries);
            var standard = plot.Add.Scatter(baseRounds, basePsi);
            standard.LegendText = "standard NUM, alpha = 2 fixed";
            standard.MarkerSize = 0;
            standard.LinePattern = LinePattern.Dashed;
        }

        foreach (var (field, label) in lines)
        {
            var line = plot.Add.HorizontalLine(fields.TryGetValue(field, out var value) ? value : throw new ArgumentException($"the row lacks {field}"));
            line.LinePattern = LinePattern.Dashed;
            line.LegendText = label;
        }

        plot.Axes.Bottom.Label.Text = "round";
        plot.Axes.Left.Label.Text = "true utility Psi";
        plot.Axes.Title.Label.Text = title;
        plot.ShowLegend(Alignment.LowerRight);
    }

    // The rates x1, x2, ... against rounds, with the paper's values as dotted lines.
    private static void DbinumRates(Plot plot, IReadOnlyDictionary<string, double> fields, string title, double[] paper)
    {
        for (var r = 1; ; r++)
        {
            var (rounds, rates) = DbinumRuns.ReadSeries(fields, FormattableString.Invariant($"x{r}"));
            if (rounds.Length == 0)
            {
                break;
            }

            var line = plot.Add.Scatter(rounds, rates);
            line.LegendText = FormattableString.Invariant($"x{r}");
            line.MarkerSize = 0;
        }

        foreach (var value in paper)
        {
            plot.Add.HorizontalLine(value).LinePattern = LinePattern.Dotted;
        }

        plot.Axes.Bottom.Label.Text = "round";
        plot.Axes.Left.Label.Text = "rate x (unit of P)";
        plot.Axes.Title.Label.Text = title;
        plot.ShowLegend(Alignment.UpperRight);
    }
}
