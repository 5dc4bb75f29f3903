using System.CommandLine;
using Controller.Grains.Inference;
using Controller.Learning.Inference;

namespace Controller.Host.Cli;

/// <summary>
/// Where a control silo's <c>gnn:</c> policies run, as <c>demo</c> and <c>bench loop</c> take it: <c>--inference silo</c>
/// (inference grains batching every region's questions; Orleans places them on silos of role <c>inference</c> that
/// joined the cluster, <c>controller silo --role inference --join HOST:PORT</c>, and in this silo while none has)
/// or <c>--inference region</c> (each region runs the model itself); and which backend inference grains run on:
/// <c>--inference-backend managed</c> (CPU, the default) or <c>torchsharp</c> (libtorch, CUDA when available, with
/// <c>--torch-threads</c> intra-op threads).
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
        Backend = new Option<string>("--inference-backend")
        {
            Description = "backend of the inference grains: managed (CPU, default) or torchsharp (libtorch through TorchSharp, CUDA when available)",
            DefaultValueFactory = _ => InferenceSilo.ManagedBackend,
        };
        Backend.AcceptOnlyFromAmong([.. InferenceSilo.Backends]);
        TorchThreads = CommonOptions.PositiveInt("--torch-threads", "libtorch intra-op threads of the torchsharp backend (1: the forward pass stays on the calling thread)", 1, TorchSharpInferenceOptions.MaxThreads);
    }

    public Option<string> Place { get; }

    /// <summary><c>--inference-backend managed|torchsharp</c>.</summary>
    public Option<string> Backend { get; }

    /// <summary><c>--torch-threads N</c>.</summary>
    public Option<int> TorchThreads { get; }

    /// <summary>Whether gnn: policies go through inference grains.</summary>
    public bool Read(ParseResult parsed)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        return parsed.GetRequiredValue(Place) == "silo";
    }
}
