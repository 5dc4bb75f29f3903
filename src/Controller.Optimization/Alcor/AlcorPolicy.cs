using Controller.Radio.Allocation;
using Controller.Radio.Policies;
using Controller.Radio.Randomness;
using Controller.Radio.Scenarios;

namespace Controller.Optimization.Alcor;

/// <summary>
/// ALCOR (paper 001) around any unconstrained allocator: every slot each user is switched on with
/// probability kappa_i, the allocator serves only the users that are on (users that are off are neither
/// served nor transmit), and the rates fed back through <see cref="Learn"/> move each user's lambda toward
/// meeting its demand on average. Demands are the configuration's (<see cref="NetworkConfiguration.Demands"/>);
/// users without a demand take part with shortfall -R, so they yield air time to those that need it.
/// The max-consensus of step 8 runs over the whole configuration.
/// </summary>
public sealed class AlcorPolicy : IAsyncAllocationPolicy
{
    /// <summary>
    /// Added to the configuration index to name this policy's stream of <see cref="RandomStreams.Policy"/>:
    /// random-full-power draws from the plain index, so ALCOR around it keeps an independent stream.
    /// </summary>
    public const ulong RandomStreamOffset = 1UL << 32;

    private readonly IMaskablePolicy _inner;
    private readonly AlcorSettings _settings;
    private readonly SeededRandom _random;
    private AlcorUserState[] _users = [];
    private bool[] _on = [];
    private int _slotsInBatch;

    /// <summary>Wraps <paramref name="allocator"/> (after PF selection); on-off draws come from <paramref name="random"/>.</summary>
    public AlcorPolicy(IPowerAllocator allocator, AlcorSettings settings, SeededRandom random)
        : this(new SelectThenAllocatePolicy(allocator ?? throw new ArgumentNullException(nameof(allocator))), settings, random)
    {
    }

    /// <summary>Wraps any policy that accepts an eligibility mask (a learned policy, say); on-off draws come from <paramref name="random"/>.</summary>
    public AlcorPolicy(IMaskablePolicy inner, AlcorSettings settings, SeededRandom random)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(random);
        _inner = inner;
        _settings = settings;
        _random = random;
    }

    /// <summary>ALCOR for configuration <paramref name="configurationIndex"/> of a run with <paramref name="seed"/>, drawing from its own stream.</summary>
    public static AlcorPolicy Create(IPowerAllocator allocator, AlcorSettings settings, ulong seed, int configurationIndex)
        => new(allocator, settings, StreamFor(seed, configurationIndex));

    /// <summary>ALCOR around any maskable policy, drawing from the same stream as <see cref="Create(IPowerAllocator, AlcorSettings, ulong, int)"/>.</summary>
    public static AlcorPolicy Create(IMaskablePolicy inner, AlcorSettings settings, ulong seed, int configurationIndex)
        => new(inner, settings, StreamFor(seed, configurationIndex));

    private static SeededRandom StreamFor(ulong seed, int configurationIndex) =>
        SeededRandom.ForStream(seed, RandomStreams.Policy, RandomStreamOffset + (ulong)configurationIndex);

    /// <summary>Each user's state (empty before the first slot).</summary>
    public ReadOnlySpan<AlcorUserState> Users => _users;

    /// <summary>
    /// Takes over users' state kept elsewhere (a region resuming its user grains, or switching from another
    /// ALCOR policy): one state per receiver, used from the next slot on. Starts the batch afresh.
    /// </summary>
    public void ImportUsers(ReadOnlySpan<AlcorUserState> users)
    {
        foreach (var user in users)
        {
            if (!(user.Kappa > 0 && user.Kappa <= 1) || !double.IsFinite(user.Lambda) || user.Lambda < 0 || !(user.Demand >= 0) || double.IsInfinity(user.Demand))
            {
                throw new ArgumentOutOfRangeException(nameof(users), "An ALCOR user state needs kappa in (0, 1], lambda and demand finite and not negative.");
            }
        }

        _users = users.ToArray();
        _on = new bool[users.Length];
        for (var i = 0; i < _users.Length; i++)
        {
            _users[i] = _users[i] with { BatchShortfallSum = 0, BatchSlots = 0 };
        }

        _slotsInBatch = 0;
    }

    /// <summary>Slots folded into the batch in progress (0 right after a batch ended).</summary>
    public int SlotsInBatch => _slotsInBatch;

    /// <summary>Who was switched on in the last slot (xi).</summary>
    public ReadOnlySpan<bool> SwitchedOn => _on;

    /// <inheritdoc />
    public void Decide(NetworkConfiguration configuration, ProportionalFairSelector fairness, SlotDecision decision)
    {
        Draw(configuration);
        _inner.Decide(configuration, fairness, decision, _on);
    }

    /// <summary>
    /// <see cref="Decide"/> for a region: the same draws, then an inner allocator that needs an awaited call (a
    /// <c>dnn:</c> network on the inference silo, <see cref="IAsyncMaskablePolicy"/>) is awaited; any other decides at once.
    /// </summary>
    public Task DecideAsync(NetworkConfiguration configuration, ProportionalFairSelector fairness, SlotDecision decision, CancellationToken cancellationToken)
    {
        if (_inner is not IAsyncMaskablePolicy remote)
        {
            Decide(configuration, fairness, decision);
            return Task.CompletedTask;
        }

        Draw(configuration);
        return remote.DecideAsync(configuration, fairness, decision, _on, cancellationToken);
    }


    /// <inheritdoc />
    public void Learn(NetworkConfiguration configuration, ReadOnlySpan<double> receiverRates)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        _inner.Learn(configuration, receiverRates);
        Follow(configuration);
        for (var i = 0; i < _users.Length; i++)
        {
            _users[i] = AlcorUpdater.Accumulate(_users[i], receiverRates[i]);
        }

        if (++_slotsInBatch < _settings.BatchSlots)
        {
            return;
        }

        _slotsInBatch = 0;
        var iterationComplete = false;
        for (var i = 0; i < _users.Length; i++)
        {
            _users[i] = AlcorUpdater.EndBatch(_users[i], _settings, out iterationComplete);
        }

        if (iterationComplete)
        {
            AlcorUpdater.NormalizeKappa(_users);
        }
    }

    /// <summary>Who is on this slot: xi_i ~ Bernoulli(kappa_i), after following the configuration's demands.</summary>
    private void Draw(NetworkConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        Follow(configuration);
        for (var i = 0; i < _users.Length; i++)
        {
            _on[i] = _random.NextBernoulli(_users[i].Kappa);
        }
    }

    /// <summary>Sets the users up on the first slot and restarts every user (lambda kept) when any demand changed.</summary>
    private void Follow(NetworkConfiguration configuration)
    {
        var demands = configuration.Demands;
        if (_users.Length != demands.Length)
        {
            _users = new AlcorUserState[demands.Length];
            _on = new bool[demands.Length];
            for (var i = 0; i < _users.Length; i++)
            {
                _users[i] = AlcorUpdater.Start(demands[i]);
            }

            _slotsInBatch = 0;
            return;
        }

        var changed = false;
        for (var i = 0; i < _users.Length && !changed; i++)
        {
            changed = _users[i].Demand != demands[i];
        }

        if (!changed)
        {
            return;
        }

        // The whole region restarts together so that every user stays in the same phase of the iteration.
        for (var i = 0; i < _users.Length; i++)
        {
            _users[i] = AlcorUpdater.ChangeDemand(_users[i], demands[i]);
        }

        _slotsInBatch = 0;
    }
}
