using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Controller.Policies;
using Microsoft.Extensions.Logging;

namespace Controller.Grains.Inference;

/// <summary>One region's slot for the resilient GNN: what the model needs, as plain data.</summary>
/// <param name="Users">Users n.</param>
/// <param name="Cells">Cells (APs) m.</param>
/// <param name="Gains">Linear gains, row-major users x cells.</param>
/// <param name="ServingCell">Each user's cell.</param>
/// <param name="Active">Which users have traffic.</param>
/// <param name="Features">Node features <c>log(1 + fhat/fbar)</c>, 0 for inactive users.</param>
/// <param name="Noise">Noise power.</param>
/// <param name="MaxPower">Largest power of a cell.</param>
[GenerateSerializer]
[Immutable]
[Alias("gnn-question")]
public sealed record GnnQuestion(int Users, int Cells, double[] Gains, int[] ServingCell, bool[] Active, double[] Features, double Noise, double MaxPower);

/// <summary>The model's outputs for one question.</summary>
/// <param name="Power">Power per cell.</param>
/// <param name="Selection">Selection probability per user.</param>
[GenerateSerializer]
[Immutable]
[Alias("gnn-answer")]
public sealed record GnnAnswer(double[] Power, double[] Selection);

/// <summary>How much batching an inference grain did.</summary>
/// <param name="Requests">Questions answered.</param>
/// <param name="Batches">Model runs.</param>
/// <param name="LargestBatch">Most questions in one run.</param>
/// <param name="Silo">The silo the grain runs on (its Orleans address).</param>
[GenerateSerializer]
[Immutable]
[Alias("inference-stats")]
public sealed record InferenceStats(long Requests, long Batches, int LargestBatch, string Silo);

/// <summary>
/// A stateless policy grain of the inference silo role: key = a resilient-GNN artifact name. Questions from
/// many regions that arrive while a model run is in progress are answered together by the next run (one
/// batched forward pass over all their graphs), so the model's fixed costs are shared as load grows.
/// </summary>
[Alias("inference")]
public interface IInferenceGrain : IGrainWithStringKey
{
    /// <summary>Runs the GNN on one region's slot (batched with concurrent questions).</summary>
    [AlwaysInterleave]
    Task<GnnAnswer> InferGnnAsync(GnnQuestion question, CancellationToken cancellationToken = default);

    /// <summary>Batching counters since activation.</summary>
    [AlwaysInterleave]
    Task<InferenceStats> GetStatsAsync(CancellationToken cancellationToken = default);
}

/// <summary>The inference silo role's constants.</summary>
public static class InferenceSilo
{
    /// <summary>The grain type of the inference grains.</summary>
    public const string GrainType = "inference";

    /// <summary>The managed backend's name (the default).</summary>
    public const string ManagedBackend = "managed";

    /// <summary>The TorchSharp backend's name.</summary>
    public const string TorchSharpBackend = "torchsharp";

    /// <summary>
    /// The backends: <c>managed</c> (CPU, System.Numerics.Tensors, default; <see cref="ManagedGnnBackend"/>) or
    /// <c>torchsharp</c> (libtorch through TorchSharp, CUDA when available; registered by hosts that reference
    /// Controller.Learning).
    /// </summary>
    public static IReadOnlyList<string> Backends { get; } = [ManagedBackend, TorchSharpBackend];

    /// <summary>The message of an unknown backend name.</summary>
    internal const string BackendMessage = "The inference backend must be 'managed' or 'torchsharp'.";
}

/// <summary>What the inference grains of a silo share: where artifacts are found and which backend runs them.</summary>
public sealed class InferenceSiloOptions
{
    /// <summary>Creates the options; throws <see cref="ArgumentOutOfRangeException"/> for an unknown backend.</summary>
    public InferenceSiloOptions(LearnedPolicies policies, string backend)
    {
        ArgumentNullException.ThrowIfNull(policies);
        if (!InferenceSilo.Backends.Contains(backend))
        {
            throw new ArgumentOutOfRangeException(nameof(backend), backend, InferenceSilo.BackendMessage);
        }

        Policies = policies;
        Backend = backend;
    }

    /// <summary>Where artifacts are loaded from.</summary>
    public LearnedPolicies Policies { get; }

    /// <summary>The backend.</summary>
    public string Backend { get; }
}

/// <summary><see cref="IInferenceGrain"/> on the backend its silo was given (see <see cref="InferenceSilo"/>).</summary>
[GrainType(InferenceSilo.GrainType)]
[Reentrant]
[InferenceRolePlacement]
internal sealed partial class InferenceGrain(InferenceSiloOptions silo, IEnumerable<IGnnBackend> backends, ILogger<InferenceGrain> logger) : Grain, IInferenceGrain
{
    private readonly ConcurrentQueue<(GnnQuestion Question, TaskCompletionSource<GnnAnswer> Answer)> _queue = new();
    private readonly List<(GnnQuestion Question, TaskCompletionSource<GnnAnswer> Answer)> _running = [];
    private readonly List<GnnQuestion> _questions = [];
    private IGnnNetwork? _network;
    private int _draining;
    private bool _drainScheduled;
    private string _key = "";
    private long _requests;
    private long _batches;
    private int _largest;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _key = this.GetPrimaryKeyString();
        var backend = backends.LastOrDefault(b => b.Name == silo.Backend) ?? throw new InvalidOperationException(
            $"The inference backend '{silo.Backend}' is not registered in this silo (the torchsharp backend comes with Controller.Learning: services.AddTorchSharpInference()).");
        _network = backend.Load(_key, silo.Policies.Load(_key));
        LogLoaded(logger, _key, backend.Name, _network.Device);
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Questions still queued are answered now, while the network is there (drains run in the grain's turns, so
        // none is running at this point); a drain scheduled for later finds nothing, or refuses what came after.
        Drain();
        _network?.Dispose();
        _network = null;
        return Task.CompletedTask;
    }

    public Task<GnnAnswer> InferGnnAsync(GnnQuestion question, CancellationToken cancellationToken)
    {
        // A malformed question is refused at once, before it joins a batch (the backend checks again).
        GnnQuestions.Check(_key, question);
        var answer = new TaskCompletionSource<GnnAnswer>(TaskCreationOptions.RunContinuationsAsynchronously);
        _queue.Enqueue((question, answer));
        if (!_drainScheduled)
        {
            // The model runs in a turn of its own after the questions already queued for this grain have been taken
            // in (the grain is reentrant), so concurrent regions' questions share one forward pass.
            _drainScheduled = true;
            _ = DrainSoonAsync();
        }

        return answer.Task;
    }

    public Task<InferenceStats> GetStatsAsync(CancellationToken cancellationToken) =>
        Task.FromResult(new InferenceStats(Interlocked.Read(ref _requests), Interlocked.Read(ref _batches), Volatile.Read(ref _largest), RuntimeIdentity));

    private async Task DrainSoonAsync()
    {
        await Task.Yield();
        _drainScheduled = false;
        Drain();
    }

    /// <summary>One caller at a time runs the model over everything queued; callers arriving meanwhile wait for the next run.</summary>
    private void Drain()
    {
        while (!_queue.IsEmpty && Interlocked.CompareExchange(ref _draining, 1, 0) == 0)
        {
            try
            {
                _running.Clear();
                _questions.Clear();
                while (_queue.TryDequeue(out var item))
                {
                    _running.Add(item);
                    _questions.Add(item.Question);
                }

                RunAndAnswer();
            }
            finally
            {
                Volatile.Write(ref _draining, 0);
            }
        }
    }

    private void RunAndAnswer()
    {
        IReadOnlyList<GnnOutcome> outcomes;
        try
        {
            outcomes = (_network ?? throw new InvalidOperationException($"The inference grain of policy '{_key}' was deactivated.")).Run(_questions);
        }
        catch (Exception exception) when (exception is ArgumentException or InvalidOperationException or ExternalException)
        {
            // The model itself failed (not one question): every question of the run gets the reason.
            LogRunFailed(logger, exception, _key, _running.Count);
            foreach (var (_, answer) in _running)
            {
                answer.TrySetException(exception);
            }

            return;
        }

        var answered = 0;
        for (var i = 0; i < _running.Count; i++)
        {
            var outcome = outcomes[i];
            if (outcome.Answer is { } result)
            {
                _running[i].Answer.TrySetResult(result);
                answered++;
            }
            else
            {
                _running[i].Answer.TrySetException(outcome.Rejection!);
            }
        }

        Interlocked.Add(ref _requests, answered);
        Interlocked.Increment(ref _batches);
        if (_running.Count > _largest)
        {
            Volatile.Write(ref _largest, _running.Count);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "inference grain {Policy}: backend {Backend} on {Device}")]
    private static partial void LogLoaded(ILogger logger, string policy, string backend, string device);

    [LoggerMessage(Level = LogLevel.Error, Message = "inference grain {Policy}: the model failed on a batch of {Questions} questions")]
    private static partial void LogRunFailed(ILogger logger, Exception exception, string policy, int questions);
}
