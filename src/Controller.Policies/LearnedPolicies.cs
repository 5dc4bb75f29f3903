using System.Globalization;
using Controller.Policies.ArtifactFormat;
using Controller.Policies.Models;
using Controller.Radio;
using Controller.Radio.Policies;

namespace Controller.Policies;

/// <summary>
/// Resolves the learned policies: <c>gnn:NAME</c> (a <c>resilient-gnn</c> artifact, <see cref="ResilientGnnPolicy"/>)
/// <c>agg-gnn:NAME[,eta0=X]</c> (an <c>agg-gnn</c> artifact, <see cref="AggGnnPolicy"/>; eta0 defaults to the
/// artifact's training setting <c>edgeThreshold</c>, else 0) and <c>sel-gnn:NAME</c> (a <c>sel-gnn</c> artifact, the
/// centralized <see cref="SelGnnPolicy"/>). NAME is the name of an artifact directory under
/// <see cref="ArtifactsRoot"/> or one the registry holds (<see cref="FindElsewhere"/>); never a path.
/// Artifacts are loaded once and shared by every policy created from them (reloaded when their files change);
/// thread-safe, as evaluations create policies from several threads.
/// </summary>
public sealed class LearnedPolicies : IPolicyProvider
{
    /// <summary>Prefix of resilient-GNN policy names.</summary>
    public const string GnnPrefix = "gnn:";

    /// <summary>Prefix of Agg-GNN policy names.</summary>
    public const string AggGnnPrefix = "agg-gnn:";

    /// <summary>Prefix of selection-GNN (centralized) policy names.</summary>
    public const string SelGnnPrefix = "sel-gnn:";

    /// <summary>Prefix of paper 001's neural allocators (<c>alcor-dnn</c> artifacts).</summary>
    public const string DnnPrefix = "dnn:";

    private readonly Dictionary<string, LoadedArtifact> _cache = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>Creates the provider over <paramref name="artifactsRoot"/> (default: <see cref="DefaultArtifactsRoot"/>).</summary>
    public LearnedPolicies(string? artifactsRoot = null)
    {
        ArtifactsRoot = Path.GetFullPath(artifactsRoot ?? DefaultArtifactsRoot);
    }

    /// <summary>The <c>artifacts</c> folder copied next to the assembly at build time.</summary>
    public static string DefaultArtifactsRoot => Path.Combine(AppContext.BaseDirectory, "artifacts");

    /// <summary>Where artifact names are looked up.</summary>
    public string ArtifactsRoot { get; }

    /// <summary>
    /// Consulted for a name that is not under <see cref="ArtifactsRoot"/>: returns the directory of an artifact
    /// kept elsewhere (a silo's policy registry, materialized on demand), or null.
    /// </summary>
    public Func<string, string?>? FindElsewhere { get; set; }

    /// <inheritdoc />
    public IReadOnlyList<(string Name, string Description)> Policies
    {
        get
        {
            var policies = new List<(string, string)>
            {
                ($"{GnnPrefix}<artifact>", $"resilient GNN (paper 003) from a resilient-gnn artifact: a directory, or a name under {ArtifactsRoot}"),
                ($"{AggGnnPrefix}<artifact>[,eta0=X]", "Agg-GNN (paper 004) from an agg-gnn artifact; eta0 defaults to the artifact's training edgeThreshold"),
                ($"{SelGnnPrefix}<artifact>", "selection GNN (paper 004's centralized comparison) from a sel-gnn artifact: the whole current channel"),
                ($"{DnnPrefix}<artifact>", "paper 001's neural allocator (centralized, distributed, fixed or dynamic DNN) from an alcor-dnn artifact; alcor(dnn:NAME) runs ALCOR around it"),
            };
            foreach (var name in AvailableArtifacts())
            {
                try
                {
                    var manifest = PolicyManifest.Read(Path.Combine(ArtifactsRoot, name, PolicyManifest.FileName));
                    policies.Add((PrefixOf(manifest.Hyperparameters) + name, Describe(manifest)));
                }
                catch (PolicyArtifactException exception)
                {
                    policies.Add(($"<unusable> {name}", exception.Message));
                }
            }

            return policies;
        }
    }

    /// <summary>True when <paramref name="spec"/> names a learned policy (starts with <c>gnn:</c>, <c>agg-gnn:</c> or <c>sel-gnn:</c>).</summary>
    public static bool Recognizes(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var trimmed = spec.Trim();
        return trimmed.StartsWith(GnnPrefix, StringComparison.Ordinal) || trimmed.StartsWith(AggGnnPrefix, StringComparison.Ordinal) || trimmed.StartsWith(SelGnnPrefix, StringComparison.Ordinal)
            || trimmed.StartsWith(DnnPrefix, StringComparison.Ordinal);
    }

    /// <summary>The policy prefix that runs artifacts of <paramref name="hyperparameters"/>' architecture.</summary>
    public static string PrefixOf(PolicyHyperparameters hyperparameters) => hyperparameters switch
    {
        AggGnnHyperparameters => AggGnnPrefix,
        SelGnnHyperparameters => SelGnnPrefix,
        AlcorDnnHyperparameters => DnnPrefix,
        _ => GnnPrefix,
    };

    /// <summary>Names of the artifact directories under <see cref="ArtifactsRoot"/> (those holding a manifest), sorted.</summary>
    public IReadOnlyList<string> AvailableArtifacts()
    {
        if (!Directory.Exists(ArtifactsRoot))
        {
            return [];
        }

        return
        [
            .. Directory.EnumerateDirectories(ArtifactsRoot)
                .Where(d => File.Exists(Path.Combine(d, PolicyManifest.FileName)))
                .Select(Path.GetFileName)
                .OfType<string>()
                .Order(StringComparer.Ordinal),
        ];
    }

    /// <inheritdoc />
    public void Validate(string spec) => _ = Resolve(spec);

    /// <inheritdoc />
    public IAllocationPolicy Create(string spec, ulong seed, int configurationIndex)
    {
        var (loaded, edgeThreshold) = Resolve(spec);
        if (loaded.Selection is { } selection)
        {
            return SelGnnPolicy.Create(selection, seed, configurationIndex);
        }

        if (loaded.Dnn is { } dnn)
        {
            return new AlcorDnnPolicy(dnn);
        }

        return loaded.Aggregation is { } aggregation
            ? AggGnnPolicy.Create(aggregation, edgeThreshold ?? DefaultEdgeThreshold(loaded.Artifact), seed, configurationIndex)
            : new ResilientGnnPolicy(loaded.Resilient!);
    }

    /// <summary>
    /// The weights and edge threshold eta0 of an <c>agg-gnn:NAME[,eta0=X]</c> policy, for running its aggregation
    /// elsewhere (through cell grains); throws <see cref="RadioInputException"/> as <see cref="Validate"/> does.
    /// </summary>
    public (AggGnnWeights Weights, double EdgeThreshold) ResolveAggGnn(string spec)
    {
        var (loaded, edgeThreshold) = Resolve(spec);
        return loaded.Aggregation is { } aggregation
            ? (aggregation, edgeThreshold ?? DefaultEdgeThreshold(loaded.Artifact))
            : throw new RadioInputException($"Policy '{spec}' is not an Agg-GNN policy; write {AggGnnPrefix}<artifact>.");
    }

    /// <summary>Loads (or takes from the cache) the artifact that <paramref name="nameOrPath"/> names; throws <see cref="RadioInputException"/>.</summary>
    public PolicyArtifact Load(string nameOrPath) => LoadCached(nameOrPath, nameOrPath).Artifact;

    /// <summary>The edge threshold eta0 an Agg-GNN artifact was trained with (training setting <c>edgeThreshold</c>), or 0.</summary>
    public static double DefaultEdgeThreshold(PolicyArtifact artifact)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        return artifact.Manifest.Training?.SettingAsNumber("edgeThreshold") is { } eta0 && eta0 >= 0 && double.IsFinite(eta0) ? eta0 : 0;
    }

    private static string Describe(PolicyManifest manifest)
    {
        var kind = manifest.Hyperparameters switch
        {
            AggGnnHyperparameters => "Agg-GNN (paper 004)",
            SelGnnHyperparameters => "selection GNN (paper 004, centralized)",
            AlcorDnnHyperparameters d => $"{d.KindName} DNN (paper 001)",
            _ => "resilient GNN (paper 003)",
        };
        if (manifest.Training is not { } training)
        {
            return kind;
        }

        var settings = string.Join(" ", training.Settings.Select(s => $"{s.Key}={s.Value}"));
        return $"{kind} trained on {training.Scenario ?? "an unnamed scenario"}{(settings.Length > 0 ? " " + settings : string.Empty)}";
    }

    private (LoadedArtifact Loaded, double? EdgeThreshold) Resolve(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var trimmed = spec.Trim();
        string architecture;
        string rest;
        if (trimmed.StartsWith(GnnPrefix, StringComparison.Ordinal))
        {
            architecture = ResilientGnnHyperparameters.Name;
            rest = trimmed[GnnPrefix.Length..];
        }
        else if (trimmed.StartsWith(AggGnnPrefix, StringComparison.Ordinal))
        {
            architecture = AggGnnHyperparameters.Name;
            rest = trimmed[AggGnnPrefix.Length..];
        }
        else if (trimmed.StartsWith(SelGnnPrefix, StringComparison.Ordinal))
        {
            architecture = SelGnnHyperparameters.Name;
            rest = trimmed[SelGnnPrefix.Length..];
        }
        else if (trimmed.StartsWith(DnnPrefix, StringComparison.Ordinal))
        {
            architecture = AlcorDnnHyperparameters.Name;
            rest = trimmed[DnnPrefix.Length..];
        }
        else
        {
            throw new RadioInputException($"'{spec}' is not a learned policy; write {GnnPrefix}<artifact>, {AggGnnPrefix}<artifact>, {SelGnnPrefix}<artifact> or {DnnPrefix}<artifact>.");
        }

        double? edgeThreshold = null;
        var comma = rest.LastIndexOf(',');
        if (comma >= 0 && architecture == AggGnnHyperparameters.Name)
        {
            var option = rest[(comma + 1)..].Trim();
            rest = rest[..comma];
            if (!option.StartsWith("eta0=", StringComparison.Ordinal)
                || !double.TryParse(option.AsSpan(5), NumberStyles.Float, CultureInfo.InvariantCulture, out var eta0) || !(eta0 >= 0) || double.IsInfinity(eta0))
            {
                throw new RadioInputException($"Policy '{spec}': the option after the comma must be eta0=X with X a number >= 0 (got '{option}').");
            }

            edgeThreshold = eta0;
        }

        var name = rest.Trim();
        if (name.Length == 0)
        {
            throw new RadioInputException($"Policy '{spec}' names no artifact; write {trimmed[..(trimmed.IndexOf(':') + 1)]}<artifact>{AvailableText()}.");
        }

        var loaded = LoadCached(name, spec);
        if (loaded.Artifact.Manifest.Architecture != architecture)
        {
            var other = PrefixOf(loaded.Artifact.Manifest.Hyperparameters);
            throw new RadioInputException($"Policy '{spec}' needs an artifact of architecture {architecture}, but '{name}' is {loaded.Artifact.Manifest.Architecture}; use {other}{name}.");
        }

        return (loaded, edgeThreshold);
    }

    private LoadedArtifact LoadCached(string name, string spec)
    {
        var directory = Locate(name, spec);
        var stamp = Stamp(directory);
        lock (_gate)
        {
            if (_cache.TryGetValue(directory, out var cached) && cached.Stamp == stamp)
            {
                return cached;
            }
        }

        PolicyArtifact artifact;
        AlcorDnnWeights? dnn;
        try
        {
            artifact = PolicyArtifact.Load(directory);
            dnn = artifact.Manifest.Hyperparameters is AlcorDnnHyperparameters ? AlcorDnnWeights.From(artifact) : null;
        }
        catch (PolicyArtifactException exception)
        {
            throw new RadioInputException($"Policy '{spec}': {exception.Message}", exception);
        }

        if (dnn is not null && artifact.Manifest.Training?.Other.TryGetValue("probe", out var probe) == true)
        {
            // `train alcor-dnn --probe` networks saw altered inputs (a diagnosis of the distributed network), not the
            // 41 measurements a region computes: serving one would decide on inputs it was never trained on.
            throw new RadioInputException($"Policy '{spec}': artifact '{name}' was trained with the feature probe {probe.GetRawText()}, a diagnostic measurement rather than an allocator; it cannot be served.");
        }

        var loaded = new LoadedArtifact(
            artifact,
            stamp,
            artifact.Manifest.Hyperparameters is ResilientGnnHyperparameters ? ResilientGnnWeights.From(artifact) : null,
            artifact.Manifest.Hyperparameters is AggGnnHyperparameters ? AggGnnWeights.From(artifact) : null,
            artifact.Manifest.Hyperparameters is SelGnnHyperparameters ? SelGnnWeights.From(artifact) : null)
        {
            Dnn = dnn,
        };
        lock (_gate)
        {
            // Two threads may load the same artifact at once; the first one stored wins so that policies share weights.
            if (_cache.TryGetValue(directory, out var cached) && cached.Stamp == stamp)
            {
                return cached;
            }

            _cache[directory] = loaded;
            return loaded;
        }
    }

    private string Locate(string name, string spec)
    {
        // A policy name may come from a request (PUT api/regions/{id}/policy): it names a bundled artifact or one
        // in the registry, never a path on this machine, and no message says which directories exist here.
        if (!IsArtifactName(name))
        {
            throw new RadioInputException($"Policy '{spec}': '{name}' is not an artifact name (letters, digits, '.', '-' and '_', at most {MaxNameLength} characters, not starting with '.'); bring a trained artifact in with 'controller policy import DIR'.");
        }

        var underRoot = Path.Combine(ArtifactsRoot, name);
        if (Directory.Exists(underRoot))
        {
            return underRoot;
        }

        if (FindElsewhere?.Invoke(name) is { } elsewhere && Directory.Exists(elsewhere))
        {
            return elsewhere;
        }

        throw new RadioInputException($"Unknown policy artifact '{name}' in '{spec}'{AvailableText()}; import one with 'controller policy import DIR'.");
    }

    /// <summary>Longest artifact name.</summary>
    public const int MaxNameLength = 64;

    /// <summary>True for a name an artifact may have (what <see cref="Locate"/> accepts): no separators, no leading dot.</summary>
    public static bool IsArtifactName(string name) =>
        !string.IsNullOrEmpty(name)
        && name.Length <= MaxNameLength
        && name[0] != '.'
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_');

    private string AvailableText()
    {
        var available = AvailableArtifacts();
        return available.Count == 0 ? " (no artifacts are installed)" : $" (available: {string.Join(", ", available)})";
    }

    private static (DateTime, DateTime) Stamp(string directory)
        => (File.GetLastWriteTimeUtc(Path.Combine(directory, PolicyManifest.FileName)), File.GetLastWriteTimeUtc(Path.Combine(directory, PolicyArtifact.WeightsFileName)));

    private sealed record LoadedArtifact(PolicyArtifact Artifact, (DateTime Manifest, DateTime Weights) Stamp, ResilientGnnWeights? Resilient, AggGnnWeights? Aggregation, SelGnnWeights? Selection)
    {
        /// <summary>The weights of an <c>alcor-dnn</c> artifact, or null.</summary>
        public AlcorDnnWeights? Dnn { get; init; }
    }
}
