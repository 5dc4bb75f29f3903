using Controller.Policies;
using Controller.Radio.Allocation;
using Controller.Radio.Policies;
using Controller.Radio.Scenarios;

namespace Controller.Grains.Inference;

/// <summary>
/// <c>gnn:NAME</c> as a region runs it with the inference silo: the region computes the features (the PF
/// ratios, exactly as <see cref="ResilientGnnPolicy"/>), the inference grain runs the model batched with other
/// regions' questions, and the region turns the answer into its decision with <see cref="ResilientGnnPolicy.Apply"/>.
/// Same decisions as the in-region policy.
/// </summary>
internal sealed class SiloGnnPolicy(IInferenceGrain grain) : IAsyncAllocationPolicy
{
    private int[] _choice = [];

    public void Decide(NetworkConfiguration configuration, ProportionalFairSelector fairness, SlotDecision decision) =>
        throw new NotSupportedException("This policy runs through the inference silo; regions call DecideAsync.");

    public async Task DecideAsync(NetworkConfiguration configuration, ProportionalFairSelector fairness, SlotDecision decision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(fairness);
        ArgumentNullException.ThrowIfNull(decision);
        var users = configuration.Receivers;
        if (_choice.Length != configuration.Transmitters)
        {
            _choice = new int[configuration.Transmitters];
        }

        var features = new double[users];
        ResilientGnnPolicy.ComputeFeatures(configuration, fairness, eligible: default, _choice, features);

        var constants = configuration.Constants;
        var question = new GnnQuestion(
            users,
            configuration.Transmitters,
            configuration.Gains.Values.ToArray(),
            configuration.ServingTransmitter.ToArray(),
            [.. configuration.Active],
            features,
            constants.Noise,
            constants.MaxPower);
        var answer = await grain.InferGnnAsync(question, cancellationToken);
        ResilientGnnPolicy.Apply(answer.Selection, answer.Power, configuration.ServingTransmitter, configuration.Active, constants.MaxPower, decision);
    }
}
