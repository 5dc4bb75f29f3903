using Controller.Host.Cli;

namespace Controller.Host.Reproductions;

/// <summary>The reproductions <c>controller reproduce</c> knows.</summary>
internal static class ReproductionCatalog
{
    private static readonly Reproduction[] All =
    [
        new WmmseTable1Reproduction(),
        new AlcorTable4Reproduction(),
        new AlcorTable1Reproduction(),
        new AlcorTable2Reproduction(),
        new AlcorTable3Reproduction(),
        new AlcorTable4DnnReproduction(),
        new AlcorFig1Reproduction(),
        new AlcorFig4Reproduction(),
        new DbinumSingleLinkReproduction(),
        new DbinumFiveUsersReproduction(),
        new DbinumAbileneReproduction(),
        new AggGnnExactnessReproduction(),
        new ResilientGnnReproduction(),
        new AggGnnReproduction(),
        new AggGnnHopsReproduction(),
        new AggGnnAsyncReproduction(),
        new AggGnnCentralizedReproduction(),
        new AggGnnTransferReproduction(),
        new IsacParetoReproduction(),
        new IsacPowerReproduction(),
        new IsacConvergenceReproduction(),
    ];

    public static IReadOnlyList<Reproduction> Reproductions => All;

    public static Reproduction Get(string name)
        => All.FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.Ordinal))
           ?? throw new CliUsageException($"Unknown reproduction '{name}'; known: {string.Join(", ", All.Select(r => r.Name))}.");
}
