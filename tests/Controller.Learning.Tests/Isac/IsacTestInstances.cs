using Controller.Radio.Isac;
using Controller.Radio.Scenarios;

namespace Controller.Learning.Tests.Isac;

/// <summary>Instances of the <c>isac</c> scenario for the BOBLRBF-DNN tests (seeds of their own, apart from training's).</summary>
internal static class IsacTestInstances
{
    private static readonly IsacScenario Scenario = new();

    /// <summary>Configurations 0..count-1 of <paramref name="seed"/> with <paramref name="settings"/> on top of the paper's setup.</summary>
    public static IsacNetwork[] Networks(ulong seed, int count, params KeyValuePair<string, string>[] settings)
        => [.. Enumerable.Range(0, count).Select(i => Scenario.CreateNetwork(Scenario.Resolve(settings), seed, i))];

    /// <summary>A design within the budgets that is not the solver's start: the start, rotated by a random phase per entry and rescaled per base station.</summary>
    public static double[] RandomDesign(IsacNetwork network, int seed)
    {
        var random = new Random(seed);
        var beams = network.InitialBeams(0.3 + (0.4 * random.NextDouble()));
        for (var i = 0; i < beams.Length; i++)
        {
            beams[i] += 0.3 * Math.Sqrt(network.PowerBudgets.Max() / beams.Length) * ((2 * random.NextDouble()) - 1);
        }

        for (var l = 0; l < network.BaseStations; l++)
        {
            var (start, length) = network.BeamBlock(l);
            var scale = Math.Sqrt(network.PowerBudgets[l] * (0.5 + (0.5 * random.NextDouble())) / network.Power(beams, l));
            for (var i = start; i < start + length; i++)
            {
                beams[i] *= scale;
            }
        }

        return beams;
    }
}
