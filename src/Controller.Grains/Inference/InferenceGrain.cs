using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Controller.Policies;
using Controller.Policies.Models;
using Controller.Radio.Channels;

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

    /// <summary>The backends: <c>managed</c> (CPU, System.Numerics.Tensors, default) or <c>torch</c> (a PyTorch worker process; CUDA when available).</summary>
    public static IReadOnlyList<string> Backends { get; } = ["managed", "torch"];
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
            throw new ArgumentOutOfRangeException(nameof(backend), backend, "The inference backend must be 'managed' or 'torch'.");
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
internal sealed class InferenceGrain(InferenceSiloOptions silo) : Grain, IInferenceGrain
{
    private readonly ConcurrentQueue<(GnnQuestion Question, TaskCompletionSource<GnnAnswer> Answer)> _queue = new();
    private readonly ResilientGnnBatch _batch = new();
    private readonly UserGraph _graph = new();
    private readonly List<(GnnQuestion Question, TaskCompletionSource<GnnAnswer> Answer)> _running = [];
    private ResilientGnnModel _model = null!;
    private TorchWorker? _torch;
    private int _draining;
    private bool _drainScheduled;
    private string _key = "";
    private long _requests;
    private long _batches;
    private int _largest;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _key = this.GetPrimaryKeyString();
        var artifact = silo.Policies.Load(_key);
        _model = new ResilientGnnModel(ResilientGnnWeights.From(artifact));
        if (silo.Backend == "torch")
        {
            _torch = await TorchWorker.StartAsync(artifact.Directory, cancellationToken);
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_torch is not null)
        {
            await _torch.DisposeAsync();
        }
    }

    public Task<GnnAnswer> InferGnnAsync(GnnQuestion question, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(question);
        Check(question);
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

    private async Task DrainSoonAsync()
    {
        await Task.Yield();
        _drainScheduled = false;
        if (_torch is null)
        {
            Drain();
        }
        else
        {
            await DrainTorchAsync();
        }
    }

    public Task<InferenceStats> GetStatsAsync(CancellationToken cancellationToken) =>
        Task.FromResult(new InferenceStats(Interlocked.Read(ref _requests), Interlocked.Read(ref _batches), Volatile.Read(ref _largest), RuntimeIdentity));

    /// <summary>One caller at a time runs the model over everything queued; callers arriving meanwhile wait for the next run.</summary>
    private void Drain()
    {
        while (!_queue.IsEmpty && Interlocked.CompareExchange(ref _draining, 1, 0) == 0)
        {
            try
            {
                _running.Clear();
                _batch.Clear();
                while (_queue.TryDequeue(out var item))
                {
                    _running.Add(item);
                    var q = item.Question;
                    var gains = new GainMatrix(q.Users, q.Cells);
                    q.Gains.CopyTo(gains.Values);
                    _graph.Build(gains, q.ServingCell, q.Noise, q.MaxPower);
                    _batch.Add(_graph, q.Features, q.Active, q.MaxPower);
                }

                RunAndAnswer();
            }
            finally
            {
                Volatile.Write(ref _draining, 0);
            }
        }
    }

    /// <summary>The torch backend's drain: everything queued goes to the worker as one request per (cells, Pmax) group.</summary>
    private async Task DrainTorchAsync()
    {
        while (!_queue.IsEmpty && Interlocked.CompareExchange(ref _draining, 1, 0) == 0)
        {
            var running = new List<(GnnQuestion Question, TaskCompletionSource<GnnAnswer> Answer)>();
            try
            {
                while (_queue.TryDequeue(out var item))
                {
                    running.Add(item);
                }

                foreach (var group in running.GroupBy(r => (r.Question.Cells, r.Question.MaxPower)))
                {
                    var items = group.ToArray();
                    try
                    {
                        var answers = await _torch!.ResilientAsync([.. items.Select(i => i.Question)], CancellationToken.None);
                        for (var i = 0; i < items.Length; i++)
                        {
                            items[i].Answer.TrySetResult(answers[i]);
                        }
                    }
                    catch (Exception exception) when (exception is ArgumentException or InvalidOperationException or IOException or JsonException)
                    {
                        foreach (var item in items)
                        {
                            item.Answer.TrySetException(exception);
                        }
                    }
                }

                Interlocked.Add(ref _requests, running.Count);
                Interlocked.Increment(ref _batches);
                if (running.Count > _largest)
                {
                    Volatile.Write(ref _largest, running.Count);
                }
            }
            finally
            {
                Volatile.Write(ref _draining, 0);
            }
        }
    }

    private void RunAndAnswer()
    {
        try
        {
            _model.Run(_batch);
        }
        catch (Exception exception) when (exception is ArgumentException or InvalidOperationException)
        {
            foreach (var (_, answer) in _running)
            {
                answer.TrySetException(exception);
            }

            return;
        }

        Interlocked.Add(ref _requests, _running.Count);
        Interlocked.Increment(ref _batches);
        if (_running.Count > _largest)
        {
            Volatile.Write(ref _largest, _running.Count);
        }

        var power = _model.Power;
        var selection = _model.Selection;
        for (var g = 0; g < _running.Count; g++)
        {
            var (question, answer) = _running[g];
            var cells = power.Slice(_batch.CellStart(g), question.Cells).ToArray();
            var users = selection.Slice(_batch.NodeStart(g), question.Users).ToArray();
            answer.TrySetResult(new GnnAnswer(cells, users));
        }
    }

    private void Check(GnnQuestion q)
    {
        string? problem = q.Users < 1 || q.Cells < 1 ? "needs at least one user and one cell"
            : q.Gains is null || q.Gains.Length != q.Users * q.Cells ? $"has {q.Gains?.Length ?? 0} gains for {q.Users} users x {q.Cells} cells"
            : q.ServingCell is null || q.ServingCell.Length != q.Users || q.ServingCell.Any(c => c < 0 || c >= q.Cells) ? "needs one serving cell in [0, cells) per user"
            : q.Active is null || q.Active.Length != q.Users ? "needs one activity flag per user"
            : q.Features is null || q.Features.Length != q.Users || q.Features.Any(f => !double.IsFinite(f) || f < 0) ? "needs one finite, non-negative feature per user"
            : q.Gains.Any(g => !double.IsFinite(g) || g < 0) ? "has a gain that is negative or not finite"
            : !(q.Noise > 0) || !double.IsFinite(q.Noise) || !(q.MaxPower > 0) || !double.IsFinite(q.MaxPower) ? "needs positive, finite noise and maximum power"
            : null;
        if (problem is not null)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Inference question for policy '{_key}' {problem}."));
        }
    }
}
