using System.CommandLine;

namespace Controller.Host.Cli;

/// <summary>
/// Where a control silo's <c>gnn:</c> policies run, as <c>demo</c> and <c>bench loop</c> take it: <c>--inference silo</c>
/// (inference grains batching every region's questions; Orleans places them on silos of role <c>inference</c> that
/// joined the cluster, <c>controller silo --role inference --join HOST:PORT</c>, and in this silo while none has)
/// or <c>--inference region</c> (each region runs the model itself).
/// </summary>
internal sealed class InferenceOptions
{
    public InferenceOptions(string defaultPlace)
    {
        Place = new Option<string>("--inference")
        {
            Description = "where gnn: policies run: silo (inference grains batching all regions' questions, on inference silos that joined, else here) or region (each region runs the model)",
            DefaultValueFactory = _ => defaultPlace,
        };
        Place.AcceptOnlyFromAmong("silo", "region");
    }

    public Option<string> Place { get; }

    /// <summary>Whether gnn: policies go through inference grains.</summary>
    public bool Read(ParseResult parsed)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        return parsed.GetRequiredValue(Place) == "silo";
    }
}
