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

/// <summary>One line of a reproduction table.</summary>
/// <param name="Label">What the row measures.</param>
/// <param name="Obtained">Our number.</param>
/// <param name="Expected">The paper's number.</param>
/// <param name="Tolerance">Largest accepted |obtained - expected|.</param>
/// <param name="Extra">Further named numbers of the run behind the row, written into its JSON object (for example <c>trueUtility</c>).</param>
internal sealed record ReproductionRow(string Label, double Obtained, double Expected, double Tolerance, IReadOnlyDictionary<string, double>? Extra = null)
{
    public bool WithinTolerance => Math.Abs(Obtained - Expected) <= Tolerance;
}
