using System.Globalization;
using Controller.Optimization.Resilient;
using Microsoft.Extensions.Options;

namespace Controller.Grains;

/// <summary>
/// One user (see <see cref="IUserGrain"/>). Each loop its region reports the rate the RAN achieved for it and
/// the demand in force; the user folds the rate into its exponential average (the PF average), takes one step
/// of paper 003's resilient duals (<see cref="ResilientUserDuals"/>, f_min = its demand) from that average and
/// keeps the ALCOR state its region computed. State is written by a checkpoint timer (a turn of its own, only
/// when changed) and on deactivation; a non-finite number is never stored (<see cref="StateGuard"/>).
/// </summary>
[GrainType("user")]
[Inference.ControlRolePlacement]
[Orleans.Placement.PreferLocalPlacement]
internal sealed partial class UserGrain(
    [PersistentState("user", Hosting.ControlPlaneHosting.StorageName)] IPersistentState<UserState> state,
    ControlTopology topology,
    IOptions<ControlPlaneOptions> options) : Grain, IUserGrain
{
    private readonly ControlPlaneOptions _options = options.Value;
    private ResilientUserDuals _duals = null!;
    private string _key = "";
    private Checkpoint<UserState> _checkpoint = null!;

    private string Key => _key;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _key = this.GetPrimaryKeyString();
        if (!topology.TryFindUser(_key, out var region, out var index))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Unknown user '{_key}'; the RAN has {topology.UserCount} users."));
        }

        var value = state.State;
        value.Region = region.RegionId;
        value.Index = index;
        _duals = ResilientUserDuals.Restore(value.Demand, value.Resilient, _options.Resilient);
        // Checkpoints run as turns of their own, so a region's loop never waits for a user's write; users
        // activated together spread their first checkpoint over one interval instead of writing all at once.
        var interval = _options.CheckpointInterval;
        var due = TimeSpan.FromTicks((long)(interval.Ticks * ((uint)_key.GetHashCode(StringComparison.Ordinal) / (double)uint.MaxValue)));
        _checkpoint = new Checkpoint<UserState>(state, _key, StateGuard.RequireFinite);
        _checkpoint.StartTimer(this, due, interval);
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) =>
        _checkpoint.WriteIfChangedAsync(cancellationToken);

    public ValueTask<UserReport> ObserveAsync(UserObservation observation) => ValueTask.FromResult(Observe(observation));

    public Task ObserveQuietlyAsync(UserObservation observation)
    {
        Observe(observation);
        return Task.CompletedTask;
    }

    private UserReport Observe(UserObservation observation)
    {
        var rate = observation.Rate;
        var demand = observation.Demand;
        if (!double.IsFinite(rate) || rate < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(observation), rate, string.Create(CultureInfo.InvariantCulture, $"User '{_key}' got rate {rate:R}; a rate must be finite and not negative."));
        }

        if (!double.IsFinite(demand) || demand < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(observation), demand, string.Create(CultureInfo.InvariantCulture, $"User '{_key}' got demand {demand:R}; a demand must be finite and not negative."));
        }

        if (observation.Alcor is { } incoming)
        {
            StateGuard.RequireFinite(incoming, _key);
        }

        var value = state.State;
        if (demand != value.Demand)
        {
            _duals.ChangeMinimumRate(demand);
            value.Demand = demand;
        }

        var weight = _options.RateAverageWeight;
        value.RateAverage = ((1 - weight) * value.RateAverage) + (weight * rate);
        value.LastRate = rate;
        value.LastSlot = observation.Slot;
        value.Observations++;
        _duals.Update(value.RateAverage);
        value.Resilient = _duals.State;
        if (observation.Alcor is { } alcor)
        {
            value.Alcor = alcor;
        }

        _checkpoint.MarkDirty();
        return new UserReport(value.RateAverage, _duals.Lambda, _duals.Mu, _duals.Slack);
    }

    public Task<UserState> GetStateAsync(CancellationToken cancellationToken)
    {
        var value = state.State;
        return Task.FromResult(new UserState
        {
            Region = value.Region,
            Index = value.Index,
            Demand = value.Demand,
            RateAverage = value.RateAverage,
            LastRate = value.LastRate,
            LastSlot = value.LastSlot,
            Observations = value.Observations,
            Resilient = value.Resilient,
            Alcor = value.Alcor,
            Dbinum = value.Dbinum,
        });
    }
}
