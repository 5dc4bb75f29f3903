using System.Diagnostics;
using System.Globalization;
using Controller.Grains.Diagnostics;
using Controller.Optimization.Alcor;
using Controller.Radio.Allocation;
using Controller.Radio.Policies;
using Controller.Ran.Contract;
using Controller.Runtime.Grains;
using Controller.Runtime.Storage;
using Controller.Runtime.Timers;

namespace Controller.Grains;

/// <summary>What a region grain persists.</summary>
public sealed class RegionState
{
    /// <summary>Policy spec in force (null: the control plane's default).</summary>
    public string? Policy { get; set; }

    /// <summary>Loop period in ms (0: the default).</summary>
    public int PeriodMs { get; set; }

    /// <summary>Loops completed.</summary>
    public long Iterations { get; set; }

    /// <summary>RAN slot of the last applied decision (-1: none).</summary>
    public long LastSlot { get; set; } = -1;

    /// <summary>Powers of the last good decision (the fail-static hold).</summary>
    public double[]? LastPower { get; set; }

    /// <summary>Served user index per cell of the last good decision.</summary>
    public int[]? LastServed { get; set; }

    /// <summary>Operator demand overrides by user id (bps/Hz).</summary>
    public Dictionary<string, double> DemandOverrides { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Telemetry samples rejected.</summary>
    public long RejectedTelemetry { get; set; }

    /// <summary>Loops that found the RAN unreachable.</summary>
    public long Unavailable { get; set; }

    /// <summary>Decisions the RAN refused.</summary>
    public long RejectedDecisions { get; set; }

    /// <summary>Loops that re-applied the last good decision.</summary>
    public long HeldDecisions { get; set; }

    /// <summary>Loops that failed (policy could not be built or threw).</summary>
    public long FailedLoops { get; set; }
}

/// <summary>
/// A region's control loop (see <see cref="IRegionGrain"/>). Per loop: <c>pull</c> the telemetry and check it
/// (<see cref="TelemetryCheck"/>); <c>decide</c> with the region's policy on a
/// <see cref="TelemetryConfiguration"/> (the decision code of <c>controller eval</c>); <c>push</c> the decision;
/// <c>learn</c>: the policy learns from the reported rates (ALCOR's duals) and every user grain folds its rate
/// into its average and resilient duals. Bad telemetry is counted and the last good decision is re-applied to the
/// slot the RAN is at (fail-static); an unreachable RAN leaves cells on their last decision until it answers again.
/// </summary>
internal sealed class RegionGrain(ControlPlane plane) : Grain, IRegionGrain
{
    private PersistentState<RegionState> _state = null!;
    private RegionTopology _topology = null!;
    private int _regionIndex;
    private TelemetryConfiguration _configuration = null!;
    private ProportionalFairSelector _fairness = null!;
    private SlotDecision _decision = null!;
    private IUserGrain[] _users = [];
    private ICellGrain[] _cells = [];
    private UserReport[] _reports = [];
    private AlcorUserState[] _alcor = [];
    private double[] _overrides = [];
    private ValueTask<UserReport>[] _pendingUsers = [];
    private IAllocationPolicy? _policy;
    private string _policySpec = "";
    private string? _pendingPolicy;
    private GrainTimer? _timer;
    private long _countedOverruns;
    private long _overrunsOfStoppedTimers;
    private long _minimumSlot;
    private DateTimeOffset? _previousTimestamp;
    private long _lastCheckpoint;
    private LoopOutcome _lastOutcome;
    private string _lastReason = "";

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!plane.TryFindRegion(Key, out _topology, out _regionIndex))
        {
            throw new ArgumentException(Invariant($"Unknown region '{Key}'; the RAN has {plane.Topology.Regions.Count} regions."));
        }

        _state = await ReadStateAsync<RegionState>("region", cancellationToken).ConfigureAwait(false);
        var users = _topology.UserIds.Count;
        var cells = _topology.CellIds.Count;
        _configuration = new TelemetryConfiguration(_topology);
        _fairness = new ProportionalFairSelector(users, cells, plane.Options.RateAverageWeight);
        _decision = new SlotDecision(cells);
        _users = [.. _topology.UserIds.Select(GrainFactory.GetGrain<IUserGrain>)];
        _cells = [.. _topology.CellIds.Select(GrainFactory.GetGrain<ICellGrain>)];
        _reports = new UserReport[users];
        _pendingUsers = new ValueTask<UserReport>[users];
        _overrides = new double[users];
        Array.Fill(_overrides, double.NaN);
        foreach (var (userId, demand) in _state.Value.DemandOverrides)
        {
            if (plane.TryFindUser(userId, out var region, out var index) && ReferenceEquals(region, _topology))
            {
                _overrides[index] = demand;
            }
        }

        // Users hold the state that outlives a loop; resume the region's working copies from them.
        var states = await Task.WhenAll(_users.Select(u => u.GetStateAsync(cancellationToken))).ConfigureAwait(false);
        _alcor = new AlcorUserState[users];
        var averages = new double[users];
        for (var u = 0; u < users; u++)
        {
            var state = states[u];
            averages[u] = state.RateAverage;
            _alcor[u] = state.Alcor.Kappa > 0 ? state.Alcor : AlcorUpdater.Start(state.Demand);
            _reports[u] = new UserReport(state.RateAverage, state.Resilient.Lambda, state.Resilient.Mu, state.Resilient.Slack);
        }

        _fairness.RestoreAverages(averages);
        _policySpec = _state.Value.Policy ?? plane.Options.Policy;
        _lastCheckpoint = TimeProvider.GetTimestamp();
    }

    public override Task OnDeactivateAsync(CancellationToken cancellationToken)
    {
        _timer?.Dispose();
        return _state.WriteAsync(cancellationToken);
    }

    public async Task StartAsync(string? policy, int periodMs, CancellationToken cancellationToken)
    {
        if (policy is not null)
        {
            plane.Policies.Validate(policy);
            _pendingPolicy = policy;
            _state.Value.Policy = policy;
        }

        var period = periodMs > 0 ? periodMs : _state.Value.PeriodMs > 0 ? _state.Value.PeriodMs : plane.Options.PeriodMs;
        if (period is < ControlPlaneOptions.MinPeriodMs or > ControlPlaneOptions.MaxPeriodMs)
        {
            throw new ArgumentOutOfRangeException(nameof(periodMs), period, Invariant($"The loop period must be in [{ControlPlaneOptions.MinPeriodMs}, {ControlPlaneOptions.MaxPeriodMs}] ms."));
        }

        _state.Value.PeriodMs = period;
        StopTimer();
        // Regions start spread over one period so that their loops do not all fire at the same instant.
        var regions = Math.Max(1, plane.Topology.Regions.Count);
        var due = TimeSpan.FromMilliseconds(period * (double)_regionIndex / regions);
        _countedOverruns = 0;
        _timer = RegisterTimer(RunTimedLoopAsync, due, TimeSpan.FromMilliseconds(period), keepAlive: true, phaseLocked: true);
        await _state.WriteAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        StopTimer();
        await _state.WriteAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task<LoopOutcome> RunLoopAsync(CancellationToken cancellationToken) => RunLoopCoreAsync(cancellationToken);

    public async Task SetPolicyAsync(string policy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);
        plane.Policies.Validate(policy);
        _pendingPolicy = policy.Trim();
        _state.Value.Policy = _pendingPolicy;
        await _state.WriteAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task SetDemandAsync(int userIndex, double demand, CancellationToken cancellationToken)
    {
        if (userIndex < 0 || userIndex >= _users.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(userIndex), userIndex, Invariant($"Region '{Key}' has users 0 to {_users.Length - 1}."));
        }

        var userId = _topology.UserIds[userIndex];
        if (double.IsNaN(demand))
        {
            _state.Value.DemandOverrides.Remove(userId);
        }
        else if (!double.IsFinite(demand) || demand < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(demand), demand, Invariant($"The demand of user '{userId}' must be a finite number >= 0 bps/Hz (got {demand:R})."));
        }
        else
        {
            _state.Value.DemandOverrides[userId] = demand;
        }

        _overrides[userIndex] = demand;
        // An operator's demand must survive a crash, so it is written now rather than at the next checkpoint.
        await _state.WriteAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task<RegionStatus> GetStatusAsync(CancellationToken cancellationToken)
    {
        var state = _state.Value;
        return Task.FromResult(new RegionStatus(
            Key,
            _policySpec,
            _pendingPolicy,
            _timer is not null,
            state.PeriodMs > 0 ? state.PeriodMs : plane.Options.PeriodMs,
            state.Iterations,
            _lastOutcome,
            _lastReason,
            state.LastSlot,
            state.RejectedTelemetry,
            state.Unavailable,
            state.RejectedDecisions,
            state.HeldDecisions,
            state.FailedLoops,
            _overrunsOfStoppedTimers + (_timer?.Overruns ?? 0)));
    }

    private void StopTimer()
    {
        if (_timer is { } timer)
        {
            timer.Dispose();
            _overrunsOfStoppedTimers += timer.Overruns;
            _timer = null;
        }
    }

    private async Task RunTimedLoopAsync(CancellationToken cancellationToken)
    {
        if (_timer is { } timer && timer.Overruns > _countedOverruns)
        {
            var skipped = timer.Overruns - _countedOverruns;
            _countedOverruns = timer.Overruns;
            plane.Instruments.Overruns(skipped);
            plane.Monitor.Overruns(skipped);
        }

        await RunLoopCoreAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<LoopOutcome> RunLoopCoreAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        // Each loop is its own trace, whatever was ambient when the tick or call arrived.
        Activity.Current = null;
        using var loop = ControlTelemetry.Source.StartActivity(ControlTelemetry.LoopSpan, ActivityKind.Internal, parentContext: default);
        if (loop is not null)
        {
            loop.SetTag("region", Key);
            loop.SetTag("policy", _policySpec);
            loop.SetTag("users", _users.Length);
            loop.SetTag("iteration", _state.Value.Iterations + 1);
        }

        LoopOutcome outcome;
        try
        {
            UsePendingPolicy();
            outcome = await RunStagesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // A policy that cannot be built or throws must not stop the region: count it, say why, try again next tick.
            _state.Value.FailedLoops++;
            plane.Monitor.LoopFailed(Key, exception.Message);
            _lastReason = exception.Message;
            outcome = LoopOutcome.Failed;
        }

        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        _lastOutcome = outcome;
        if (outcome == LoopOutcome.Completed)
        {
            _state.Value.Iterations++;
            _lastReason = "";
        }
        else
        {
            loop?.SetStatus(ActivityStatusCode.Error, _lastReason);
        }

        loop?.SetTag("outcome", ControlInstruments.Outcome(outcome));
        plane.Instruments.LoopEnded(elapsed, outcome);
        Publish(outcome, elapsed);
        if (TimeProvider.GetElapsedTime(_lastCheckpoint) >= plane.Options.CheckpointInterval)
        {
            _lastCheckpoint = TimeProvider.GetTimestamp();
            await _state.WriteAsync(cancellationToken).ConfigureAwait(false);
        }

        return outcome;
    }

    private async Task<LoopOutcome> RunStagesAsync(CancellationToken cancellationToken)
    {
        RegionTelemetry telemetry;
        using (var pull = ControlTelemetry.Source.StartActivity("pull"))
        {
            try
            {
                telemetry = await plane.Ran.PullTelemetryAsync(Key, cancellationToken).ConfigureAwait(false);
            }
            catch (RanUnavailableException exception)
            {
                pull?.SetStatus(ActivityStatusCode.Error, exception.Message);
                return RanUnavailable(exception.Message);
            }
            catch (RanRejectedException exception)
            {
                pull?.SetStatus(ActivityStatusCode.Error, exception.Message);
                return RejectTelemetry(TelemetryDefect.UnknownIds, exception.Message);
            }

            var verdict = TelemetryCheck.Check(_topology, telemetry, _minimumSlot, _previousTimestamp);
            pull?.SetTag("slot", telemetry.Slot);
            if (!verdict.IsUsable)
            {
                pull?.SetTag("defect", verdict.Defect.ToString());
                pull?.SetStatus(ActivityStatusCode.Error, verdict.Reason);
                var rejected = RejectTelemetry(verdict.Defect, verdict.Reason);
                await HoldLastDecisionAsync(telemetry.Slot, cancellationToken).ConfigureAwait(false);
                return rejected;
            }
        }

        using (ControlTelemetry.Source.StartActivity("decide"))
        {
            _configuration.Load(telemetry, _overrides);
            if (_policy is Inference.IAsyncAllocationPolicy silo)
            {
                try
                {
                    await silo.DecideAsync(_configuration, _fairness, _decision, cancellationToken).ConfigureAwait(false);
                }
                catch (Controller.Runtime.Cluster.SiloUnavailableException)
                {
                    // The inference silo is down or restarting: the RAN keeps the last good decision (fail-static), and
                    // the loop counts as failed with the silo's reason; the next tick asks again.
                    await HoldLastDecisionAsync(telemetry.Slot, cancellationToken).ConfigureAwait(false);
                    throw;
                }
            }
            else
            {
                _policy!.Decide(_configuration, _fairness, _decision);
            }
        }

        DecisionReceipt receipt;
        using (var push = ControlTelemetry.Source.StartActivity("push"))
        {
            var decision = new RegionDecision(telemetry.Slot, (double[])_decision.Power.Clone(), (int[])_decision.ServedReceiver.Clone());
            try
            {
                receipt = await plane.Ran.PushDecisionsAsync(Key, decision, cancellationToken).ConfigureAwait(false);
            }
            catch (RanUnavailableException exception)
            {
                push?.SetStatus(ActivityStatusCode.Error, exception.Message);
                return RanUnavailable(exception.Message);
            }
            catch (RanRejectedException exception)
            {
                push?.SetStatus(ActivityStatusCode.Error, exception.Message);
                _state.Value.RejectedDecisions++;
                plane.Instruments.DecisionRejected();
                _lastReason = exception.Message;
                return LoopOutcome.DecisionRejected;
            }

            _minimumSlot = telemetry.Slot + 1;
            _previousTimestamp = telemetry.Timestamp;
            _state.Value.LastSlot = telemetry.Slot;
            // Copied into the stored arrays rather than kept: the decision itself then dies with the loop.
            var state = _state.Value;
            if (state.LastPower?.Length != _decision.Power.Length || state.LastServed?.Length != _decision.ServedReceiver.Length)
            {
                state.LastPower = new double[_decision.Power.Length];
                state.LastServed = new int[_decision.ServedReceiver.Length];
            }

            _decision.Power.CopyTo(state.LastPower, 0);
            _decision.ServedReceiver.CopyTo(state.LastServed, 0);
        }

        using (var learn = ControlTelemetry.Source.StartActivity("learn"))
        {
            if (ReceiptDefect(receipt) is { } defect)
            {
                learn?.SetStatus(ActivityStatusCode.Error, defect);
                return RejectTelemetry(TelemetryDefect.NonFiniteValue, defect);
            }

            await LearnAsync(receipt, cancellationToken).ConfigureAwait(false);
        }

        return LoopOutcome.Completed;
    }

    private async Task LearnAsync(DecisionReceipt receipt, CancellationToken cancellationToken)
    {
        var rates = receipt.Rates is double[] array ? array : [.. receipt.Rates];
        _fairness.Update(rates);
        _policy!.Learn(_configuration, rates);
        var alcor = _policy as AlcorPolicy;
        if (alcor is not null)
        {
            alcor.Users.CopyTo(_alcor);
        }

        var demands = _configuration.Demands;
        // Every user's call is started before any is awaited (they run in parallel); each ValueTask is awaited exactly once below.
#pragma warning disable CA2012
        for (var u = 0; u < _users.Length; u++)
        {
            _pendingUsers[u] = _users[u].ObserveAsync(new UserObservation(receipt.Slot, rates[u], demands[u], alcor is null ? null : _alcor[u]), cancellationToken);
        }
#pragma warning restore CA2012

        var cells = new Task[_cells.Length];
        for (var c = 0; c < _cells.Length; c++)
        {
            var served = _decision.ServedReceiver[c];
            cells[c] = _cells[c].RecordDecisionAsync(
                new CellDecision(receipt.Slot, _decision.Power[c], served >= 0 ? _topology.UserIds[served] : null, _policySpec), cancellationToken).AsTask();
        }

        Exception? failure = null;
        for (var u = 0; u < _users.Length; u++)
        {
            try
            {
                _reports[u] = await _pendingUsers[u].ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                failure ??= exception;
            }

            _pendingUsers[u] = default;
        }

        await Task.WhenAll(cells).ConfigureAwait(false);
        plane.Instruments.UserUpdates(_users.Length);
        if (failure is not null)
        {
            throw new InvalidOperationException(Invariant($"A user of region '{Key}' failed to learn from slot {receipt.Slot}: {failure.Message}"), failure);
        }
    }

    /// <summary>Fail-static for a rejected sample whose slot is current: the RAN keeps serving the last good decision.</summary>
    private async Task HoldLastDecisionAsync(long slot, CancellationToken cancellationToken)
    {
        var state = _state.Value;
        if (slot < _minimumSlot || state.LastPower is null || state.LastServed is null)
        {
            return;
        }

        using var hold = ControlTelemetry.Source.StartActivity("push");
        hold?.SetTag("hold", true);
        try
        {
            await plane.Ran.PushDecisionsAsync(Key, new RegionDecision(slot, (double[])state.LastPower.Clone(), (int[])state.LastServed.Clone()), cancellationToken).ConfigureAwait(false);
            state.HeldDecisions++;
            _minimumSlot = slot + 1;
        }
        catch (Exception exception) when (exception is RanUnavailableException or RanRejectedException)
        {
            // The RAN could not take the held decision either (for example its user left); it keeps what it has.
            hold?.SetStatus(ActivityStatusCode.Error, exception.Message);
        }
    }

    private LoopOutcome RejectTelemetry(TelemetryDefect defect, string reason)
    {
        _state.Value.RejectedTelemetry++;
        plane.Instruments.TelemetryRejected(defect);
        plane.Monitor.TelemetryRejected();
        _lastReason = reason;
        return LoopOutcome.TelemetryRejected;
    }

    private LoopOutcome RanUnavailable(string reason)
    {
        _state.Value.Unavailable++;
        plane.Instruments.Unavailable();
        plane.Monitor.Unavailable();
        _lastReason = reason;
        return LoopOutcome.RanUnavailable;
    }

    private string? ReceiptDefect(DecisionReceipt receipt)
    {
        if (receipt.Rates is null || receipt.Rates.Count != _users.Length)
        {
            return Invariant($"The RAN reported {receipt.Rates?.Count ?? 0} rates for region '{Key}'; it has {_users.Length} users.");
        }

        for (var u = 0; u < _users.Length; u++)
        {
            var rate = receipt.Rates[u];
            if (!double.IsFinite(rate) || rate < 0)
            {
                return Invariant($"The RAN reported rate {rate:R} for user '{_topology.UserIds[u]}'; rates must be finite and not negative.");
            }
        }

        return null;
    }

    /// <summary>A policy switch takes effect here, at the start of a loop; users' state carries over.</summary>
    private void UsePendingPolicy()
    {
        if (_policy is not null && _pendingPolicy is null)
        {
            return;
        }

        var spec = _pendingPolicy ?? _policySpec;
        var policy = CreatePolicy(spec);
        if (policy is AlcorPolicy alcor)
        {
            alcor.ImportUsers(_alcor);
        }

        _policy = policy;
        _policySpec = spec;
        _pendingPolicy = null;
    }

    /// <summary>
    /// The region's policy: <c>gnn:</c> through the inference silo role and <c>agg-gnn:</c> with its messages through
    /// the cell grains when the options say so (the defaults), anything else (wrappers included) as eval runs it.
    /// </summary>
    private IAllocationPolicy CreatePolicy(string spec)
    {
        var trimmed = spec.Trim();
        if (plane.Options.InferenceSilo && trimmed.StartsWith(Controller.Policies.LearnedPolicies.GnnPrefix, StringComparison.Ordinal))
        {
            return new Inference.SiloGnnPolicy(GrainFactory.GetGrain<Inference.IInferenceGrain>(trimmed[Controller.Policies.LearnedPolicies.GnnPrefix.Length..].Trim()));
        }

        if (plane.Options.AggregationThroughCells
            && trimmed.StartsWith(Controller.Policies.LearnedPolicies.AggGnnPrefix, StringComparison.Ordinal)
            && plane.Learned is { } learned)
        {
            var (weights, edgeThreshold) = learned.ResolveAggGnn(trimmed);
            return CellAggGnnPolicy.Create(GrainFactory, _topology.CellIds, weights, edgeThreshold, plane.Options.Seed, _regionIndex);
        }

        return plane.Policies.Create(spec, plane.Options.Seed, _regionIndex);
    }

    private void Publish(LoopOutcome outcome, double milliseconds) => plane.Monitor.Publish(
        Key,
        new LoopSummary(_policySpec, _state.Value.Iterations, _state.Value.LastSlot, outcome, milliseconds, _topology.UserIds),
        _reports,
        _configuration.Demands,
        _policy is AlcorPolicy ? _alcor : []);

    private static string Invariant(FormattableString message) => message.ToString(CultureInfo.InvariantCulture);
}
