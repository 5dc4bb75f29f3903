using System.Globalization;
using Controller.Radio;
using Controller.Radio.Scenarios;

namespace Controller.Optimization.Dbinum;

/// <summary>
/// A named family of DBiNUM networks (paper 000: links, flows, true utilities; no radio), with overridable
/// settings declared and checked like the radio scenarios' (<see cref="SettingDefinition"/>, unit and range).
/// </summary>
public abstract class DbinumScenario : ScenarioDefinition
{
    /// <summary>The network of these settings.</summary>
    public abstract DbinumNetwork CreateNetwork(ScenarioSettings settings);

    /// <summary>The network of the defaults.</summary>
    public DbinumNetwork CreateNetwork() => CreateNetwork(Resolve([]));

    /// <summary>The alpha-fair parameters of <paramref name="flows"/> flows from list setting <c>trueAlphas</c>: one for all, or one per flow.</summary>
    protected double[] TrueAlphas(ScenarioSettings settings, int flows)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var list = settings.GetList("trueAlphas");
        if (list.Count == 1)
        {
            return [.. Enumerable.Repeat(list[0], flows)];
        }

        if (list.Count != flows)
        {
            throw new RadioInputException(string.Create(
                CultureInfo.InvariantCulture,
                $"Setting 'trueAlphas' of scenario '{Name}' has {list.Count} values; give one value for all flows or exactly {flows} (one per flow)."));
        }

        return [.. list];
    }

    /// <summary>The capacity and barrier settings every scenario has.</summary>
    protected static DbinumLink Link(ScenarioSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new DbinumLink(settings.GetDouble("capacity"), settings.GetDouble("tau"));
    }

    /// <summary>Definitions of <c>capacity</c> (default <paramref name="capacity"/>) and <c>tau</c>.</summary>
    protected static SettingDefinition[] LinkSettings(string capacity) =>
    [
        new("capacity", SettingKind.Number, capacity, "rate units", 0.001, 1e6, "capacity P of every link (the paper gives no unit)"),
        new("tau", SettingKind.Number, "0.01", "", 1e-6, 100, "weight tau of each link's log barrier -tau log(P - y)"),
    ];
}

/// <summary>
/// <c>num-single-link</c>: n users share one link (paper 000 Sec. 5 and 8.1, Fig. 1); true utilities alpha-fair.
/// The defaults are Fig. 2's (n = 3, a~ = (1/2, 2/3, 2/3), P = 100); Fig. 3 is <c>users=5</c>,
/// <c>trueAlphas=0.5,0.4,0.6,0.6666666666666666,0.6666666666666666</c>.
/// </summary>
public sealed class SingleLinkScenario : DbinumScenario
{
    private static readonly SettingDefinition[] Definitions =
    [
        new("users", SettingKind.Whole, "3", "", 1, 1000, "users n sharing the link"),
        new("trueAlphas", SettingKind.NumberList, "0.5,0.6666666666666666,0.6666666666666666", "", 0.001, 100, "alpha-fair parameters a~ of the true utilities: one for all users or one per user"),
        .. LinkSettings("100"),
    ];

    /// <inheritdoc />
    public override string Name => "num-single-link";

    /// <inheritdoc />
    public override string Source => "paper 000 Sec. 5 and 8.1 (Figs. 1-3)";

    /// <inheritdoc />
    public override string Summary => "n users on one link of capacity P, true utilities alpha-fair with parameters a~";

    /// <inheritdoc />
    public override IReadOnlyList<SettingDefinition> Settings => Definitions;

    /// <inheritdoc />
    public override DbinumNetwork CreateNetwork(ScenarioSettings settings)
    {
        var alphas = TrueAlphas(settings, settings.GetInt("users"));
        return new DbinumNetwork(
            Name,
            ["link"],
            [Link(settings)],
            [.. alphas.Select((a, r) => new DbinumFlow(string.Create(CultureInfo.InvariantCulture, $"user {r + 1}"), [0], new AlphaFairFlowUtility(a)))]);
    }

    /// <inheritdoc />
    protected override void Validate(ScenarioSettings settings) => TrueAlphas(settings, settings.GetInt("users"));
}

/// <summary>
/// <c>num-line</c>: the classic linear network of NUM (the spec's second scenario): L links in a row, flow 0
/// crosses all of them, flow l (1..L) only link l. True utilities alpha-fair.
/// </summary>
public sealed class LineScenario : DbinumScenario
{
    private static readonly SettingDefinition[] Definitions =
    [
        new("links", SettingKind.Whole, "3", "", 1, 1000, "links L in the line (L + 1 flows)"),
        new("trueAlphas", SettingKind.NumberList, "1", "", 0.001, 100, "alpha-fair parameters a~ of the true utilities: one for all flows or one per flow (the long flow first)"),
        .. LinkSettings("100"),
    ];

    /// <inheritdoc />
    public override string Name => "num-line";

    /// <inheritdoc />
    public override string Source => "the spec's multi-link case (paper 000 Sec. 2's model)";

    /// <inheritdoc />
    public override string Summary => "L links in a row; flow 0 crosses all, flow l crosses link l; true utilities alpha-fair";

    /// <inheritdoc />
    public override IReadOnlyList<SettingDefinition> Settings => Definitions;

    /// <inheritdoc />
    public override DbinumNetwork CreateNetwork(ScenarioSettings settings)
    {
        var links = settings.GetInt("links");
        var alphas = TrueAlphas(settings, links + 1);
        var flows = new DbinumFlow[links + 1];
        flows[0] = new DbinumFlow("long flow", [.. Enumerable.Range(0, links)], new AlphaFairFlowUtility(alphas[0]));
        for (var l = 1; l <= links; l++)
        {
            flows[l] = new DbinumFlow(string.Create(CultureInfo.InvariantCulture, $"flow on link {l}"), [l - 1], new AlphaFairFlowUtility(alphas[l]));
        }

        return new DbinumNetwork(
            Name,
            [.. Enumerable.Range(1, links).Select(l => string.Create(CultureInfo.InvariantCulture, $"link {l}"))],
            [.. Enumerable.Repeat(Link(settings), links)],
            flows);
    }

    /// <inheritdoc />
    protected override void Validate(ScenarioSettings settings) => TrueAlphas(settings, settings.GetInt("links") + 1);
}

/// <summary>
/// <c>num-abilene</c>: paper 000 Sec. 8.2 (Fig. 4), the Abilene backbone with four flows and the section's
/// true utilities. What the text gives: the network is Abilene, four flows, flow 1 quadratic, flow 2 square
/// root, flow 3 log, flow 4 alpha-fair or s-shape, P = 20 on every link, tau = 0.01, A = (1.01, 100], and the
/// two parameter sets of Figs. 5 and 6. What it does not (Fig. 4 is an image missing from the text, and its
/// reference [7] is not at hand): the link list and the flows' routes. The links are the Abilene backbone's
/// 14 (11 nodes) as the Internet2 network was published; each link is one shared capacity (both directions
/// together). The routes are our assumption: four coast-to-coast flows on fewest-hop paths, chosen so that
/// they share links (flow 2 and 3 on Los Angeles-Houston; 1 and 3 on Indianapolis-Chicago; 1, 3 and 4 on
/// Kansas City-Indianapolis; 1 and 4 on Denver-Kansas City). The utilities' printed forms carry typos we
/// correct (<see cref="SquareRootUtility"/>, <see cref="LogUtility"/>).
/// </summary>
public sealed class AbileneScenario : DbinumScenario
{
    /// <summary>The 14 backbone links, as node pairs.</summary>
    public static IReadOnlyList<(string From, string To)> BackboneLinks { get; } =
    [
        ("Seattle", "Sunnyvale"),
        ("Seattle", "Denver"),
        ("Sunnyvale", "Los Angeles"),
        ("Sunnyvale", "Denver"),
        ("Los Angeles", "Houston"),
        ("Denver", "Kansas City"),
        ("Kansas City", "Houston"),
        ("Kansas City", "Indianapolis"),
        ("Houston", "Atlanta"),
        ("Indianapolis", "Chicago"),
        ("Indianapolis", "Atlanta"),
        ("Chicago", "New York"),
        ("New York", "Washington"),
        ("Washington", "Atlanta"),
    ];

    /// <summary>The four flows' paths (our assumption, see the class summary), as node sequences.</summary>
    public static IReadOnlyList<string[]> FlowPaths { get; } =
    [
        ["Seattle", "Denver", "Kansas City", "Indianapolis", "Chicago", "New York"],
        ["Sunnyvale", "Los Angeles", "Houston", "Atlanta"],
        ["Los Angeles", "Houston", "Kansas City", "Indianapolis", "Chicago"],
        ["Denver", "Kansas City", "Indianapolis", "Atlanta", "Washington"],
    ];

    /// <summary>Fig. 5's (a1, a2, b2, a3, b3, a4, b4) = (0.1, 5, 0.4, 4, 1, 0.8, 0.2).</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Figure5 { get; } = Parameters("0.1", "5", "0.4", "4", "1", "0.8", "0.2");

    /// <summary>Fig. 6's (a1, a2, b2, a3, b3, a4, b4) = (3, 0.5, 0.2, 0.5, 2, 1.8, 2).</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Figure6 { get; } = Parameters("3", "0.5", "0.2", "0.5", "2", "1.8", "2");

    private static readonly SettingDefinition[] Definitions =
    [
        new("a1", SettingKind.Number, "0.1", "", 1e-6, 1e3, "flow 1's quadratic a1 x^2"),
        new("a2", SettingKind.Number, "5", "", 1e-6, 1e3, "flow 2's square root a2 (sqrt(x + b2) - sqrt(b2))"),
        new("b2", SettingKind.Number, "0.4", "rate units", 1e-6, 1e3, "flow 2's shift b2"),
        new("a3", SettingKind.Number, "4", "", 1e-6, 1e3, "flow 3's log a3 log(b3 x + 1)"),
        new("b3", SettingKind.Number, "1", "1/rate unit", 1e-6, 1e3, "flow 3's slope b3"),
        new("a4", SettingKind.Number, "0.8", "", 0.01, 10, "flow 4's s-shape exponent a4 (x^a4 for x >= 0)"),
        new("b4", SettingKind.Number, "0.2", "", 1e-6, 1e3, "flow 4's s-shape loss weight b4 (-b4 (-x)^a4 for x < 0)"),
        new("alpha4", SettingKind.Number, "0", "", 0, 100, "0: flow 4 has the s-shape (Figs. 5-6); above 0: flow 4 is alpha-fair with this a~ instead"),
        .. LinkSettings("20"),
    ];

    /// <inheritdoc />
    public override string Name => "num-abilene";

    /// <inheritdoc />
    public override string Source => "paper 000 Sec. 8.2 (Figs. 4-6); routes assumed (Fig. 4 missing from the text)";

    /// <inheritdoc />
    public override string Summary => "Abilene backbone (11 nodes, 14 links of capacity P), four flows with quadratic, square-root, log and s-shape (or alpha-fair) true utilities";

    /// <inheritdoc />
    public override IReadOnlyList<SettingDefinition> Settings => Definitions;

    /// <inheritdoc />
    public override DbinumNetwork CreateNetwork(ScenarioSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        FlowUtility[] utilities =
        [
            new QuadraticUtility(settings.GetDouble("a1")),
            new SquareRootUtility(settings.GetDouble("a2"), settings.GetDouble("b2")),
            new LogUtility(settings.GetDouble("a3"), settings.GetDouble("b3")),
            settings.GetDouble("alpha4") > 0
                ? new AlphaFairFlowUtility(settings.GetDouble("alpha4"))
                : new SShapeUtility(settings.GetDouble("a4"), settings.GetDouble("b4")),
        ];
        var flows = FlowPaths.Select((path, r) => new DbinumFlow($"{path[0]} -> {path[^1]}", Route(path), utilities[r])).ToArray();
        return new DbinumNetwork(
            Name,
            [.. BackboneLinks.Select(l => $"{l.From}-{l.To}")],
            [.. Enumerable.Repeat(Link(settings), BackboneLinks.Count)],
            flows);
    }

    // Link indices along a node path; each consecutive pair must be a backbone link (either direction).
    private static int[] Route(string[] path)
    {
        var route = new int[path.Length - 1];
        for (var i = 0; i < route.Length; i++)
        {
            var (from, to) = (path[i], path[i + 1]);
            route[i] = BackboneLinks.Select((l, index) => (l, index)).Single(x => (x.l.From == from && x.l.To == to) || (x.l.From == to && x.l.To == from)).index;
        }

        return route;
    }

    private static KeyValuePair<string, string>[] Parameters(string a1, string a2, string b2, string a3, string b3, string a4, string b4) =>
    [
        new("a1", a1), new("a2", a2), new("b2", b2), new("a3", a3), new("b3", b3), new("a4", a4), new("b4", b4),
    ];
}

/// <summary>The DBiNUM scenarios, by name.</summary>
public static class DbinumScenarioCatalog
{
    private static readonly DbinumScenario[] All = [new SingleLinkScenario(), new LineScenario(), new AbileneScenario()];

    /// <summary>Every DBiNUM scenario, in a stable order.</summary>
    public static IReadOnlyList<DbinumScenario> Scenarios => All;

    /// <summary>The scenario called <paramref name="name"/>; throws <see cref="RadioInputException"/> listing the known names.</summary>
    public static DbinumScenario Get(string name)
        => All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.Ordinal))
           ?? throw new RadioInputException($"Unknown DBiNUM scenario '{name}'; known: {string.Join(", ", All.Select(s => s.Name))}.");
}
