using System.Globalization;
using Controller.Policies.ArtifactFormat;
using Controller.Policies.Models;
using Controller.Radio.Channels;

namespace Controller.Grains.Inference;

/// <summary>
/// A backend of the inference silo: turns a resilient-GNN artifact into a network that answers batches of
/// <see cref="GnnQuestion"/>s. Silos register backends in their container (the managed one always,
/// <c>torchsharp</c> where the host references Controller.Learning); the inference grains take the one whose
/// <see cref="Name"/> the silo was configured with (<see cref="InferenceSiloOptions.Backend"/>).
/// </summary>
public interface IGnnBackend
{
    /// <summary>The backend's name, as <c>--inference-backend</c> takes it (one of <see cref="InferenceSilo.Backends"/>).</summary>
    string Name { get; }

    /// <summary>Loads <paramref name="artifact"/> (a resilient-gnn artifact served as policy <paramref name="policy"/>); throws <see cref="ArgumentException"/> for another architecture.</summary>
    IGnnNetwork Load(string policy, PolicyArtifact artifact);
}

/// <summary>One artifact's network on a backend. One batch at a time (the inference grain runs one drain at a time).</summary>
public interface IGnnNetwork : IDisposable
{
    /// <summary>Where the network runs: "cpu" or "cuda".</summary>
    string Device { get; }

    /// <summary>
    /// Answers <paramref name="questions"/> with one forward pass over all of them that are well formed; returns one
    /// outcome per question, in order. A malformed question gets its <see cref="ArgumentException"/> (checked in
    /// managed code, before the model runs) and does not keep the others from being answered.
    /// </summary>
    IReadOnlyList<GnnOutcome> Run(IReadOnlyList<GnnQuestion> questions);
}

/// <summary>What a network made of one question: its answer, or why it was refused.</summary>
/// <param name="Answer">The model's outputs; null when refused.</param>
/// <param name="Rejection">Why the question was refused; null when answered.</param>
public sealed record GnnOutcome(GnnAnswer? Answer, ArgumentException? Rejection)
{
    /// <summary>An answered question.</summary>
    public static GnnOutcome Answered(GnnAnswer answer) => new(answer ?? throw new ArgumentNullException(nameof(answer)), null);

    /// <summary>A refused question.</summary>
    public static GnnOutcome Rejected(ArgumentException rejection) => new(null, rejection ?? throw new ArgumentNullException(nameof(rejection)));
}

/// <summary>Checks on <see cref="GnnQuestion"/>s and their user graphs, shared by every backend.</summary>
public static class GnnQuestions
{
    /// <summary>Most users of one question (a dense backend holds an n x n matrix per graph: 1 GB of float32 at this size).</summary>
    public const int MaxUsers = 16_384;

    /// <summary>Most cells of one question.</summary>
    public const int MaxCells = 16_384;

    /// <summary>What is wrong with <paramref name="question"/>, or null when it is well formed.</summary>
    public static string? Problem(GnnQuestion? question)
    {
        if (question is null)
        {
            return "is missing";
        }

        var q = question;
        return q.Users < 1 || q.Cells < 1 ? "needs at least one user and one cell"
            : q.Users > MaxUsers || q.Cells > MaxCells ? string.Create(CultureInfo.InvariantCulture, $"has {q.Users} users and {q.Cells} cells; at most {MaxUsers} and {MaxCells}")
            : q.Gains is null || q.Gains.Length != (long)q.Users * q.Cells ? string.Create(CultureInfo.InvariantCulture, $"has {q.Gains?.Length ?? 0} gains for {q.Users} users x {q.Cells} cells")
            : q.ServingCell is null || q.ServingCell.Length != q.Users || q.ServingCell.Any(c => c < 0 || c >= q.Cells) ? "needs one serving cell in [0, cells) per user"
            : q.Active is null || q.Active.Length != q.Users ? "needs one activity flag per user"
            : q.Features is null || q.Features.Length != q.Users || q.Features.Any(f => !double.IsFinite(f) || f < 0) ? "needs one finite, non-negative feature per user"
            : q.Gains.Any(g => !double.IsFinite(g) || g < 0) ? "has a gain that is negative or not finite"
            : !(q.Noise > 0) || !double.IsFinite(q.Noise) || !(q.MaxPower > 0) || !double.IsFinite(q.MaxPower) ? "needs positive, finite noise and maximum power"
            : null;
    }

    /// <summary>The exception that refuses a question for <paramref name="policy"/> because of <paramref name="problem"/>.</summary>
    public static ArgumentException Rejection(string policy, string problem) =>
        new(string.Create(CultureInfo.InvariantCulture, $"Inference question for policy '{policy}' {problem}."));

    /// <summary>Throws the <see cref="Rejection"/> of a malformed question.</summary>
    public static void Check(string policy, GnnQuestion? question)
    {
        if (Problem(question) is { } problem)
        {
            throw Rejection(policy, problem);
        }
    }

    /// <summary>
    /// Builds <paramref name="question"/>'s user graph into <paramref name="graph"/>, or returns the rejection of a
    /// malformed question (every check of <see cref="Problem"/>, plus whatever the graph itself refuses).
    /// <paramref name="gains"/> is the caller's gain matrix, reused while questions keep their size (at 400 users x
    /// 40 cells a new one per question was a 128 KB large-object allocation).
    /// </summary>
    public static ArgumentException? TryBuild(string policy, GnnQuestion question, UserGraph graph, ref GainMatrix? gains)
    {
        ArgumentNullException.ThrowIfNull(graph);
        if (Problem(question) is { } problem)
        {
            return Rejection(policy, problem);
        }

        try
        {
            if (gains is null || gains.Receivers != question.Users || gains.Transmitters != question.Cells)
            {
                gains = new GainMatrix(question.Users, question.Cells);
            }

            question.Gains.CopyTo(gains.Values);
            graph.Build(gains, question.ServingCell, question.Noise, question.MaxPower);
            return null;
        }
        catch (ArgumentException exception)
        {
            return Rejection(policy, $"was refused: {exception.Message}");
        }
    }
}

/// <summary>The <c>managed</c> backend: <see cref="ResilientGnnModel"/> on the CPU (System.Numerics.Tensors), the default hot path.</summary>
public sealed class ManagedGnnBackend : IGnnBackend
{
    /// <inheritdoc/>
    public string Name => "managed";

    /// <inheritdoc/>
    public IGnnNetwork Load(string policy, PolicyArtifact artifact)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        return new Network(policy, new ResilientGnnModel(ResilientGnnWeights.From(artifact)));
    }

    private sealed class Network(string policy, ResilientGnnModel model) : IGnnNetwork
    {
        private readonly ResilientGnnBatch _batch = new();
        private readonly UserGraph _graph = new();
        private readonly List<int> _batched = [];
        private GainMatrix? _gains;

        public string Device => "cpu";

        public IReadOnlyList<GnnOutcome> Run(IReadOnlyList<GnnQuestion> questions)
        {
            ArgumentNullException.ThrowIfNull(questions);
            var outcomes = new GnnOutcome[questions.Count];
            _batch.Clear();
            _batched.Clear();
            for (var i = 0; i < questions.Count; i++)
            {
                var q = questions[i];
                if (GnnQuestions.TryBuild(policy, q, _graph, ref _gains) is { } rejection)
                {
                    outcomes[i] = GnnOutcome.Rejected(rejection);
                    continue;
                }

                try
                {
                    _batch.Add(_graph, q.Features, q.Active, q.MaxPower);
                    _batched.Add(i);
                }
                catch (ArgumentException exception)
                {
                    outcomes[i] = GnnOutcome.Rejected(GnnQuestions.Rejection(policy, $"was refused: {exception.Message}"));
                }
            }

            if (_batched.Count > 0)
            {
                model.Run(_batch);
                var power = model.Power;
                var selection = model.Selection;
                for (var g = 0; g < _batched.Count; g++)
                {
                    var q = questions[_batched[g]];
                    outcomes[_batched[g]] = GnnOutcome.Answered(new GnnAnswer(
                        power.Slice(_batch.CellStart(g), q.Cells).ToArray(),
                        selection.Slice(_batch.NodeStart(g), q.Users).ToArray()));
                }
            }

            return outcomes;
        }

        public void Dispose()
        {
            // Managed buffers only.
        }
    }
}
