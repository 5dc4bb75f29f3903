using System.CommandLine;
using Controller.Grains.Inference;
using Controller.Runtime.Cluster;
using Controller.Runtime.Grains;
using Controller.Runtime.Placement;

namespace Controller.Host.Cli;

/// <summary>
/// Where a control silo's <c>gnn:</c> policies run, as <c>demo</c> and <c>bench loop</c> take it: <c>--inference silo</c>
/// (inference grains batching every region's questions, in this process unless <c>--inference-silo URL</c> names inference
/// silo processes) or <c>--inference region</c> (each region runs the model itself).
/// </summary>
internal sealed class InferenceOptions
{
    public InferenceOptions(string defaultPlace)
    {
        Place = new Option<string>("--inference")
        {
            Description = "where gnn: policies run: silo (inference grains batching all regions' questions) or region (each region runs the model)",
            DefaultValueFactory = _ => defaultPlace,
        };
        Place.AcceptOnlyFromAmong("silo", "region");
        Silos = new Option<string[]>("--inference-silo")
        {
            Description = "URL of an inference silo process ('controller silo --role inference'); repeat or separate with commas for several. gnn: policies then run there",
        };
    }

    public Option<string> Place { get; }

    public Option<string[]> Silos { get; }

    /// <summary>The inference silos named (1..k) and whether gnn: policies go through inference grains at all.</summary>
    public (Dictionary<SiloId, Uri> Silos, bool ThroughInferenceGrains) Read(ParseResult parsed)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        var silos = new Dictionary<SiloId, Uri>();
        foreach (var text in (parsed.GetValue(Silos) ?? []).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp || uri.AbsolutePath != "/")
            {
                throw new CliUsageException($"--inference-silo must be an http URL without a path, such as http://127.0.0.1:{SiloCommand.DefaultPort} (got '{text}').");
            }

            silos[new SiloId(silos.Count + 1)] = uri;
        }

        var place = parsed.GetRequiredValue(Place);
        // Only an explicit --inference region conflicts; a verb's default gives way to --inference-silo.
        if (silos.Count > 0 && place == "region" && parsed.GetResult(Place) is { Implicit: false })
        {
            throw new CliUsageException("--inference-silo sends gnn: questions to inference silos; it cannot be combined with --inference region.");
        }

        return (silos, place == "silo" || silos.Count > 0);
    }

    /// <summary>
    /// Joins <paramref name="builder"/>'s runtime to the inference silos: this silo is 0, they are 1..k, and only the
    /// inference grains live there. Returns the transport (the caller disposes it), or null when none are named.
    /// </summary>
    public static HttpClusterTransport? Join(GrainRuntimeBuilder builder, IReadOnlyDictionary<SiloId, Uri> silos)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(silos);
        if (silos.Count == 0)
        {
            return null;
        }

        var transport = new HttpClusterTransport(silos);
        var roles = new Dictionary<string, IReadOnlyList<SiloId>> { [InferenceSilo.GrainType] = [.. silos.Keys] };
        builder.UseCluster(new RoleGrainLocator(LocalGrainLocator.Silo, roles), LocalGrainLocator.Silo, transport);
        return transport;
    }
}
