using System.Globalization;
using Controller.Policies;
using Controller.Policies.ArtifactFormat;
using Controller.Policies.Models;
using Controller.Radio;
using Controller.Radio.Allocation;
using Controller.Radio.Policies;
using Controller.Radio.Scenarios;

namespace Controller.Grains.Inference;

/// <summary>One region's slot for one of paper 001's neural allocators: the input rows the region computed.</summary>
/// <param name="Rows">Input rows (1 for a centralized, fixed or dynamic network; one per user that is on for the distributed one).</param>
/// <param name="Input">Row-major inputs, rows x the network's input width.</param>
[GenerateSerializer]
[Immutable]
[Alias("dnn-question")]
public sealed record DnnQuestion(int Rows, double[] Input);

/// <summary>The network's output rows (sigmoids in [0, 1]), rows x its output width.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dnn-answer")]
public sealed record DnnAnswer(double[] Output);

/// <summary>
/// The inference silo role's grain for <c>dnn:NAME</c> (key = an <c>alcor-dnn</c> artifact name): runs the managed
/// model on a region's input rows. Placed on inference silos like <see cref="IInferenceGrain"/> (any silo when none is up).
/// </summary>
[Alias("dnn-inference")]
public interface IDnnInferenceGrain : IGrainWithStringKey
{
    /// <summary>Runs the network on <paramref name="question"/>'s rows; an <see cref="ArgumentException"/> says what is malformed.</summary>
    Task<DnnAnswer> InferAsync(DnnQuestion question, CancellationToken cancellationToken = default);

    /// <summary>Questions answered since activation, and where the grain runs.</summary>
    Task<InferenceStats> GetStatsAsync(CancellationToken cancellationToken = default);
}

/// <summary>
/// <see cref="IDnnInferenceGrain"/> on the managed backend (the networks are a few dense layers: a question costs
/// microseconds, so questions are answered one at a time rather than batched as the GNN's are).
/// </summary>
[GrainType("dnn-inference")]
[InferenceRolePlacement]
internal sealed class DnnInferenceGrain(InferenceSiloOptions silo) : Grain, IDnnInferenceGrain
{
    /// <summary>Most input rows of one question.</summary>
    public const int MaxRows = 16_384;

    private AlcorDnnModel? _model;
    private string _key = "";
    private long _requests;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _key = this.GetPrimaryKeyString();
        var artifact = silo.Policies.Load(_key);
        if (artifact.Manifest.Hyperparameters is not AlcorDnnHyperparameters)
        {
            throw new ArgumentException($"Policy 'dnn:{_key}' needs an artifact of architecture {AlcorDnnHyperparameters.Name}, but '{_key}' is {artifact.Manifest.Architecture}.");
        }

        _model = new AlcorDnnModel(AlcorDnnWeights.From(artifact));
        return Task.CompletedTask;
    }

    public Task<DnnAnswer> InferAsync(DnnQuestion question, CancellationToken cancellationToken)
    {
        var model = _model ?? throw new InvalidOperationException($"The inference grain of policy 'dnn:{_key}' is not active.");
        var widths = model.Weights.Hyperparameters.Widths;
        var problem = question is null ? "is missing"
            : question.Rows < 0 || question.Rows > MaxRows ? string.Create(CultureInfo.InvariantCulture, $"has {question.Rows} rows; 0 to {MaxRows}")
            : question.Input is null || question.Input.Length != (long)question.Rows * widths[0] ? string.Create(CultureInfo.InvariantCulture, $"has {question.Input?.Length ?? 0} inputs for {question.Rows} rows of {widths[0]}")
            : question.Input.Any(x => !double.IsFinite(x)) ? "has an input that is not finite"
            : null;
        if (problem is not null)
        {
            throw new ArgumentException($"Inference question for policy 'dnn:{_key}' {problem}.");
        }

        var output = new double[question!.Rows * widths[^1]];
        model.Run(question.Rows, question.Input, output);
        _requests++;
        return Task.FromResult(new DnnAnswer(output));
    }

    public Task<InferenceStats> GetStatsAsync(CancellationToken cancellationToken) =>
        Task.FromResult(new InferenceStats(_requests, _requests, _requests > 0 ? 1 : 0, RuntimeIdentity));
}

/// <summary>
/// <c>dnn:NAME</c> as a region runs it with the inference silo: the region computes the network's input
/// (<see cref="AlcorDnnPolicy.Prepare"/>: the masked channel, or each user's 41 local measurements, kept in the
/// region), the inference grain runs the network, and the region turns its output into powers
/// (<see cref="AlcorDnnPolicy.Complete"/>). The same decisions as the in-region policy; ALCOR awaits it as its inner allocator.
/// </summary>
internal sealed class SiloDnnPolicy(AlcorDnnPolicy local, IDnnInferenceGrain grain) : IAsyncMaskablePolicy, IAsyncAllocationPolicy
{
    public void Decide(NetworkConfiguration configuration, ProportionalFairSelector fairness, SlotDecision decision) =>
        throw new NotSupportedException("This policy runs through the inference silo; regions call DecideAsync.");

    public void Decide(NetworkConfiguration configuration, ProportionalFairSelector fairness, SlotDecision decision, ReadOnlySpan<bool> eligible) =>
        throw new NotSupportedException("This policy runs through the inference silo; regions call DecideAsync.");

    public Task DecideAsync(NetworkConfiguration configuration, ProportionalFairSelector fairness, SlotDecision decision, CancellationToken cancellationToken) =>
        DecideAsync(configuration, fairness, decision, ReadOnlyMemory<bool>.Empty, cancellationToken);

    public async Task DecideAsync(NetworkConfiguration configuration, ProportionalFairSelector fairness, SlotDecision decision, ReadOnlyMemory<bool> eligible, CancellationToken cancellationToken)
    {
        var rows = local.Prepare(configuration, eligible.Span);
        var answer = await grain.InferAsync(new DnnQuestion(rows, local.Input(rows).ToArray()), cancellationToken);
        if (answer.Output.Length != local.OutputLength(rows))
        {
            throw new InvalidOperationException($"The inference silo answered {answer.Output.Length} outputs for {rows} rows; expected {local.OutputLength(rows)}.");
        }

        local.Complete(configuration, decision, answer.Output);
    }

    public void Learn(NetworkConfiguration configuration, ReadOnlySpan<double> receiverRates) => local.Learn(configuration, receiverRates);
}

/// <summary>
/// The learned policies as a region with the inference silo sees them: <c>dnn:NAME</c> becomes a
/// <see cref="SiloDnnPolicy"/> (so <c>alcor(dnn:NAME)</c> awaits the silo too); everything else as <paramref name="learned"/> makes it.
/// </summary>
internal sealed class SiloDnnPolicies(LearnedPolicies learned, IGrainFactory grains) : IPolicyProvider
{
    public IReadOnlyList<(string Name, string Description)> Policies => learned.Policies;

    public void Validate(string spec) => learned.Validate(spec);

    public IAllocationPolicy Create(string spec, ulong seed, int configurationIndex)
    {
        var policy = learned.Create(spec, seed, configurationIndex);
        return policy is AlcorDnnPolicy local
            ? new SiloDnnPolicy(local, grains.GetGrain<IDnnInferenceGrain>(spec.Trim()[LearnedPolicies.DnnPrefix.Length..].Trim()))
            : policy;
    }
}
