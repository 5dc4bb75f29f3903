using System.Globalization;
using Controller.Optimization.Resilient;
using Controller.Runtime.Grains;
using Controller.Runtime.Storage;

namespace Controller.Grains;

/// <summary>
/// One user (see <see cref="IUserGrain"/>). Each loop its region reports the rate the RAN achieved for it and
/// the demand in force; the user folds the rate into its exponential average (the PF average), takes one step
/// of paper 003's resilient duals (<see cref="ResilientUserDuals"/>, f_min = its demand) from that average and
/// keeps the ALCOR state its region computed. State is written by a checkpoint timer (a turn of its own, only when changed) and on deactivation.
/// </summary>
internal sealed partial class UserGrain(ControlPlane plane) : Grain, IUserGrain
{
    private PersistentState<UserState> _state = null!;
    private ResilientUserDuals _duals = null!;
    private bool _dirty;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!plane.TryFindUser(Key, out var region, out var index))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Unknown user '{Key}'; the RAN has {plane.UserCount} users."));
        }

        _state = await ReadStateAsync<UserState>("user", cancellationToken).ConfigureAwait(false);
        var state = _state.Value;
        state.Region = region.RegionId;
        state.Index = index;
        _duals = ResilientUserDuals.Restore(state.Demand, state.Resilient, plane.Options.Resilient);
        // Checkpoints run as turns of their own, so a region's loop never waits for a user's write; users
        // activated together spread their first checkpoint over one interval instead of writing all at once.
        var interval = plane.Options.CheckpointInterval;
        var due = TimeSpan.FromTicks((long)(interval.Ticks * ((uint)Key.GetHashCode(StringComparison.Ordinal) / (double)uint.MaxValue)));
        RegisterTimer(CheckpointAsync, due, interval, keepAlive: false);
    }

    public override Task OnDeactivateAsync(CancellationToken cancellationToken) => _state.WriteAsync(cancellationToken);

    public ValueTask<UserReport> ObserveAsync(UserObservation observation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(observation);
        var rate = observation.Rate;
        var demand = observation.Demand;
        if (!double.IsFinite(rate) || rate < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(observation), rate, string.Create(CultureInfo.InvariantCulture, $"User '{Key}' got rate {rate:R}; a rate must be finite and not negative."));
        }

        if (!double.IsFinite(demand) || demand < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(observation), demand, string.Create(CultureInfo.InvariantCulture, $"User '{Key}' got demand {demand:R}; a demand must be finite and not negative."));
        }

        var state = _state.Value;
        if (demand != state.Demand)
        {
            _duals.ChangeMinimumRate(demand);
            state.Demand = demand;
        }

        var weight = plane.Options.RateAverageWeight;
        state.RateAverage = ((1 - weight) * state.RateAverage) + (weight * rate);
        state.LastRate = rate;
        state.LastSlot = observation.Slot;
        state.Observations++;
        _duals.Update(state.RateAverage);
        state.Resilient = _duals.State;
        if (observation.Alcor is { } alcor)
        {
            state.Alcor = alcor;
        }

        _dirty = true;
        return ValueTask.FromResult(new UserReport(state.RateAverage, _duals.Lambda, _duals.Mu, _duals.Slack));
    }

    public Task<UserState> GetStateAsync(CancellationToken cancellationToken)
    {
        var state = _state.Value;
        return Task.FromResult(new UserState
        {
            Region = state.Region,
            Index = state.Index,
            Demand = state.Demand,
            RateAverage = state.RateAverage,
            LastRate = state.LastRate,
            LastSlot = state.LastSlot,
            Observations = state.Observations,
            Resilient = state.Resilient,
            Alcor = state.Alcor,
            Dbinum = state.Dbinum,
        });
    }

    private async Task CheckpointAsync(CancellationToken cancellationToken)
    {
        if (_dirty)
        {
            _dirty = false;
            await _state.WriteAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
