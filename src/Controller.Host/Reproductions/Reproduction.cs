namespace Controller.Host.Reproductions;

/// <summary>A named reproduction of one result of a paper: a setup, numbers obtained, the paper's numbers.</summary>
internal abstract class Reproduction
{
    /// <summary>Name used by <c>controller reproduce NAME</c>.</summary>
    public abstract string Name { get; }

    /// <summary>Paper and table or figure reproduced.</summary>
    public abstract string Paper { get; }

    /// <summary>The setup in a sentence or two: scenario, settings, policy, sample sizes.</summary>
    public abstract string Setup { get; }

    /// <summary>Runs the reproduction; progress counts finished units of work out of <see cref="WorkUnits"/>.</summary>
    public abstract IReadOnlyList<ReproductionRow> Run(ulong seed, IProgress<int>? progress, CancellationToken cancellationToken);

    /// <summary>Units of work reported as progress.</summary>
    public abstract int WorkUnits { get; }
}

/// <summary>How a row's obtained number is judged against its expected one.</summary>
internal enum RowCheck
{
    /// <summary>|obtained - expected| &lt;= tolerance (a paper's number).</summary>
    Within,

    /// <summary>obtained &gt; expected (a paper's qualitative claim: "beats", "keeps the lead").</summary>
    Above,

    /// <summary>obtained &lt;= expected (a bound, such as a power budget).</summary>
    AtMost,
}

/// <summary>One line of a reproduction table.</summary>
/// <param name="Label">What the row measures.</param>
/// <param name="Obtained">Our number.</param>
/// <param name="Expected">The paper's number, or the threshold of a qualitative claim.</param>
/// <param name="Tolerance">Largest accepted |obtained - expected| (for <see cref="RowCheck.Within"/>).</param>
/// <param name="Extra">Further named numbers of the run behind the row, written into its JSON object (for example <c>trueUtility</c>).</param>
/// <param name="Check">How the row is judged.</param>
internal sealed record ReproductionRow(string Label, double Obtained, double Expected, double Tolerance, IReadOnlyDictionary<string, double>? Extra = null, RowCheck Check = RowCheck.Within)
{
    /// <summary>True when the row holds (kept under this name for the JSON field <c>withinTolerance</c>).</summary>
    public bool WithinTolerance => Check switch
    {
        RowCheck.Above => Obtained > Expected,
        RowCheck.AtMost => Obtained <= Expected,
        _ => Math.Abs(Obtained - Expected) <= Tolerance,
    };

    /// <summary>The verdict as printed: "within 0.1", "OUTSIDE 0.1", "above", "NOT ABOVE", "at most", "ABOVE THE BOUND".</summary>
    public string Verdict => (Check, WithinTolerance) switch
    {
        (RowCheck.Above, true) => "above",
        (RowCheck.Above, false) => "NOT ABOVE",
        (RowCheck.AtMost, true) => "at most",
        (RowCheck.AtMost, false) => "ABOVE THE BOUND",
        (_, true) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"within {Tolerance}"),
        _ => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"OUTSIDE {Tolerance}"),
    };
}
