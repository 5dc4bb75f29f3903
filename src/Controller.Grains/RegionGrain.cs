using System.Diagnostics;
using System.Globalization;
using Controller.Grains.Diagnostics;
using Controller.Optimization.Alcor;
using Controller.Optimization.Isac;
using Controller.Radio.Allocation;
using Controller.Radio.Policies;
using Controller.Ran.Contract;
using Controller.Optimization.Policies;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Controller.Grains;

/// <summary>What a region grain persists.</summary>
[GenerateSerializer]
[Alias("region-state")]
public sealed class RegionState
{
    /// <summary>Policy spec in force (null: the control plane's default).</summary>
    [Id(0)]
    public string? Policy { get; set; }

    /// <summary>Loop period in ms (0: the default).</summary>
    [Id(1)]
    public int PeriodMs { get; set; }

    /// <summary>Loops completed.</summary>
    [Id(2)]
    public long Iterations { get; set; }

    /// <summary>RAN slot of the last applied decision (-1: none).</summary>
    [Id(3)]
    public long LastSlot { get; set; } = -1;

    /// <summary>Powers of the last good decision (the fail-static hold).</summary>
    [Id(4)]
    public double[]? LastPower { get; set; }

    /// <summary>Served user index per cell of the last good decision.</summary>
    [Id(5)]
    public int[]? LastServed { get; set; }

    /// <summary>Operator demand overrides by user id (bps/Hz).</summary>
    [Id(6)]
    public Dictionary<string, double> DemandOverrides { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Telemetry samples rejected.</summary>
    [Id(7)]
    public long RejectedTelemetry { get; set; }

    /// <summary>Loops that found the RAN unreachable.</summary>
    [Id(8)]
    public long Unavailable { get; set; }

    /// <summary>Decisions the RAN refused.</summary>
    [Id(9)]
    public long RejectedDecisions { get; set; }

    /// <summary>Loops that re-applied the last good decision.</summary>
    [Id(10)]
    public long HeldDecisions { get; set; }

    /// <summary>Loops that failed (policy could not be built or threw).</summary>
    [Id(11)]
    public long FailedLoops { get; set; }

    /// <summary>True while the region's loop should run: a reactivated region (after a silo failed) starts its loop again by itself.</summary>
    [Id(12)]
    public bool Running { get; set; }

    /// <summary>An ISAC region's trade-off set by an operator (communication weight in [0, 1]); null: <see cref="IsacPolicy.DefaultCommunicationWeight"/>.</summary>
    [Id(13)]
    public double? CommunicationWeight { get; set; }
}

/// <summary>
/// A region's control loop (see <see cref="IRegionGrain"/>). Per loop: <c>pull</c> the telemetry and check it
/// (<see cref="TelemetryCheck"/>); <c>decide</c> with the region's policy on a
/// <see cref="TelemetryConfiguration"/> (the decision code of <c>controller eval</c>); <c>push</c> the decision;
/// <c>learn</c>: the policy learns from the reported rates (ALCOR's duals) and every user grain folds its rate
/// into its average and resilient duals. Bad telemetry is counted and the last good decision is re-applied to the
/// slot the RAN is at (fail-static); an unreachable RAN leaves cells on their last decision until it answers again.
/// </summary>
[GrainType("region")]
[Inference.ControlRolePlacement]
[Hosting.RegionHashPlacement]
internal sealed partial class RegionGrain(
    [PersistentState("region", Hosting.ControlPlaneHosting.StorageName)] IPersistentState<RegionState> state,
    ControlTopology topology,
    IRanAdapter ran,
    IPolicyProvider policies,
    IOptions<ControlPlaneOptions> options,
    ControlPlaneMonitor monitor,
    ControlInstruments instruments,
    TimeProvider time,
    ILogger<RegionGrain> logger) : Grain, IRegionGrain, IRemindable
{
    /// <summary>The reminder that restarts a lost loop (every <see cref="ControlPlaneOptions.LoopWatchdogPeriod"/>).</summary>
    internal const string WatchdogReminder = "loop-watchdog";

    private readonly ControlPlaneOptions _options = options.Value;
    private readonly Controller.Policies.LearnedPolicies? _learned = (policies as ControlPolicies)?.More as Controller.Policies.LearnedPolicies;
    private string _key = "";
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
    private Task[] _pendingCells = [];
    private IAllocationPolicy? _policy;
    private string _policySpec = "";
    private string? _pendingPolicy;
    private IGrainTimer? _timer;
    private LoopSchedule? _schedule;
    private long _overrunsOfStoppedTimers;
    private long _minimumSlot;
    private DateTimeOffset? _previousTimestamp;
    private long _lastCheckpoint;
    private LoopOutcome _lastOutcome;
    private string _lastReason = "";
    private bool _reportsFresh;
    private bool _stale;
    private IsacReceipt? _lastIsac;
    // The last applied ISAC design, for fail-static holds (in memory only, like the policy's warm start; a new
    // activation holds the stored powers, which the RAN sends as matched-filter beams).
    private IReadOnlyList<double>[]? _lastBeams;

    private string Key => _key;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _key = this.GetPrimaryKeyString();
        if (!topology.TryFindRegion(_key, out _topology, out _regionIndex))
        {
            throw new ArgumentException(Invariant($"Unknown region '{_key}'; the RAN has {topology.Regions.Count} regions."));
        }

        var users = _topology.UserIds.Count;
        var cells = _topology.CellIds.Count;
        _configuration = new TelemetryConfiguration(_topology);
        _fairness = new ProportionalFairSelector(users, cells, _options.RateAverageWeight);
        _decision = new SlotDecision(cells);
        _users = [.. _topology.UserIds.Select(id => GrainFactory.GetGrain<IUserGrain>(id))];
        _cells = [.. _topology.CellIds.Select(id => GrainFactory.GetGrain<ICellGrain>(id))];
        _reports = new UserReport[users];
        _pendingUsers = new ValueTask<UserReport>[users];
        _pendingCells = new Task[cells];
        _overrides = new double[users];
        Array.Fill(_overrides, double.NaN);
        foreach (var (userId, demand) in state.State.DemandOverrides)
        {
            if (topology.TryFindUser(userId, out var region, out var index) && ReferenceEquals(region, _topology))
            {
                _overrides[index] = demand;
            }
        }

        // Users hold the state that outlives a loop; resume the region's working copies from them.
        var states = await Task.WhenAll(_users.Select(u => u.GetStateAsync(cancellationToken)));
        _alcor = new AlcorUserState[users];
        var averages = new double[users];
        for (var u = 0; u < users; u++)
        {
            var user = states[u];
            averages[u] = user.RateAverage;
            _alcor[u] = user.Alcor.Kappa > 0 ? user.Alcor : AlcorUpdater.Start(user.Demand);
            _reports[u] = new UserReport(user.RateAverage, user.Resilient.Lambda, user.Resilient.Mu, user.Resilient.Slack);
        }

        _fairness.RestoreAverages(averages);
        _policySpec = state.State.Policy ?? _options.Policy;
        _lastCheckpoint = time.GetTimestamp();
        if (state.State.Running)
        {
            // This activation replaces one that was lost while its loop ran (a silo died, or the watchdog woke it): resume.
            Log.LoopResumed(logger, _key, PeriodMs);
            StartTimer(PeriodMs);
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        StopTimer();
        if (!_stale)
        {
            await WriteAsync(cancellationToken);
        }
    }

    public async Task EnsureRunningAsync(CancellationToken cancellationToken)
    {
        // Activating the grain was most of the point: OnActivateAsync resumed a loop that was running when its silo died.
        if (!state.RecordExists)
        {
            // Never started in this storage (a new cluster): start with the defaults. A region an operator stopped
            // has a record with Running = false and stays stopped.
            await StartAsync(policy: null, periodMs: 0, cancellationToken);
        }
        else if (state.State.Running && _timer is null && !_stale)
        {
            Log.LoopResumed(logger, _key, PeriodMs);
            StartTimer(PeriodMs);
        }
    }

    public async Task StartAsync(string? policy, int periodMs, CancellationToken cancellationToken)
    {
        if (policy is not null)
        {
            policies.Validate(policy);
            _pendingPolicy = policy.Trim();
            state.State.Policy = _pendingPolicy;
        }

        var period = periodMs > 0 ? periodMs : PeriodMs;
        if (period is < ControlPlaneOptions.MinPeriodMs or > ControlPlaneOptions.MaxPeriodMs)
        {
            throw new ArgumentOutOfRangeException(nameof(periodMs), period, Invariant($"The loop period must be in [{ControlPlaneOptions.MinPeriodMs}, {ControlPlaneOptions.MaxPeriodMs}] ms."));
        }

        state.State.PeriodMs = period;
        state.State.Running = true;
        StartTimer(period);
        await WriteAsync(cancellationToken);
        await this.RegisterOrUpdateReminder(WatchdogReminder, _options.LoopWatchdogPeriod, _options.LoopWatchdogPeriod, cancellationToken);
        Log.LoopStarted(logger, _key, period, _pendingPolicy ?? _policySpec);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        StopTimer();
        state.State.Running = false;
        await WriteAsync(cancellationToken);
        if (await this.GetReminder(WatchdogReminder, cancellationToken) is { } reminder)
        {
            await this.UnregisterReminder(reminder, cancellationToken);
        }

        Log.LoopStopped(logger, _key);
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        // Activating the grain was the point (OnActivateAsync resumes a running loop); a live activation whose
        // timer was somehow lost is restarted here too.
        if (reminderName == WatchdogReminder && state.State.Running && _timer is null)
        {
            Log.LoopResumed(logger, _key, PeriodMs);
            StartTimer(PeriodMs);
        }

        return Task.CompletedTask;
    }

    public Task<LoopOutcome> RunLoopAsync(CancellationToken cancellationToken) => RunLoopCoreAsync(timed: false, boundary: null, cancellationToken);

    public async Task SetPolicyAsync(string policy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);
        policies.Validate(policy);
        var before = state.State.Policy ?? _policySpec;
        _pendingPolicy = policy.Trim();
        state.State.Policy = _pendingPolicy;
        await WriteAsync(cancellationToken);
        Log.PolicySet(logger, _key, before, _pendingPolicy);
    }

    public async Task SetDemandAsync(int userIndex, double demand, CancellationToken cancellationToken)
    {
        var userId = UserId(userIndex);
        if (!double.IsFinite(demand) || demand < 0 || demand > ControlPlaneOptions.MaxDemand)
        {
            throw new ArgumentOutOfRangeException(nameof(demand), demand, Invariant($"The demand of user '{userId}' must be a finite number in [0, {ControlPlaneOptions.MaxDemand}] bps/Hz (got {demand:R})."));
        }

        var before = _overrides[userIndex];
        state.State.DemandOverrides[userId] = demand;
        _overrides[userIndex] = demand;
        // An operator's demand must survive a crash, so it is written now rather than at the next checkpoint.
        await WriteAsync(cancellationToken);
        Log.DemandSet(logger, userId, before, demand);
    }

    public async Task ClearDemandAsync(int userIndex, CancellationToken cancellationToken)
    {
        var userId = UserId(userIndex);
        var before = _overrides[userIndex];
        state.State.DemandOverrides.Remove(userId);
        _overrides[userIndex] = double.NaN;
        await WriteAsync(cancellationToken);
        Log.DemandCleared(logger, userId, before);
    }

    public async Task SetCommunicationWeightAsync(double weight, CancellationToken cancellationToken)
    {
        if (_topology.Isac is null)
        {
            throw new InvalidOperationException(Invariant($"Region '{_key}' runs scenario '{_topology.Scenario}', which has no ISAC cells; a communication weight applies only to regions of the 'isac' scenario."));
        }

        if (IsacPolicy.WeightError(weight) is { } error)
        {
            throw new ArgumentOutOfRangeException(nameof(weight), weight, error);
        }

        var before = state.State.CommunicationWeight;
        var shown = CommunicationWeight;
        state.State.CommunicationWeight = weight;
        try
        {
            // The operator's trade-off must survive a crash, so it is written now rather than at the next checkpoint.
            await WriteAsync(cancellationToken);
        }
        catch
        {
            state.State.CommunicationWeight = before;
            throw;
        }

        Log.CommunicationWeightSet(logger, _key, shown, weight);
    }

    /// <summary>The trade-off in force: the operator's, else the one the policy's name gives, else the default.</summary>
    private double CommunicationWeight => state.State.CommunicationWeight ?? (_policy as IsacPolicy)?.CommunicationWeight ?? IsacPolicy.DefaultCommunicationWeight;

    private IsacView? IsacViewOf()
    {
        if (_topology.Isac is null)
        {
            return null;
        }

        var isac = _policy as IsacPolicy;
        var last = _lastIsac;
        return new IsacView(
            CommunicationWeight,
            Finite(last?.Crlb),
            last is null ? [] : [.. last.TargetCrlb.Select(c => Finite(c))],
            Finite(last?.NominalWsr),
            Finite(last?.TrueWsr),
            last?.Beamformed ?? false,
            isac?.WarmStarts ?? 0,
            isac?.Last?.Iterations ?? 0,
            last is null ? [] : [.. last.Targets.SelectMany(p => new[] { p.X, p.Y })],
            isac?.LastIterationBudget ?? 0,
            isac?.Adaptive ?? false,
            isac is null || double.IsNaN(isac.LastSolveMs) ? null : isac.LastSolveMs);
    }

    /// <summary>JSON and the dashboard have no infinity: an unobservable CRLB shows as none.</summary>
    private static double? Finite(double? value) => value is { } v && double.IsFinite(v) ? v : null;

    public Task<RegionStatus> GetStatusAsync(CancellationToken cancellationToken)
    {
        var value = state.State;
        return Task.FromResult(new RegionStatus(
            _key,
            _policySpec,
            _pendingPolicy,
            _timer is not null,
            PeriodMs,
            value.Iterations,
            _lastOutcome,
            _lastReason,
            value.LastSlot,
            value.RejectedTelemetry,
            value.Unavailable,
            value.RejectedDecisions,
            value.HeldDecisions,
            value.FailedLoops,
            _overrunsOfStoppedTimers + (_schedule?.Overruns ?? 0),
            IsacViewOf()));
    }

    private int PeriodMs => state.State.PeriodMs > 0 ? state.State.PeriodMs : _options.PeriodMs;

    private string UserId(int userIndex) => userIndex >= 0 && userIndex < _users.Length
        ? _topology.UserIds[userIndex]
        : throw new ArgumentOutOfRangeException(nameof(userIndex), userIndex, Invariant($"Region '{_key}' has users 0 to {_users.Length - 1}."));

    private async Task WriteAsync(CancellationToken cancellationToken)
    {
        if (_stale)
        {
            throw StaleWrites.Refused(_key);
        }

        StateGuard.RequireFinite(state.State, _key);
        try
        {
            await state.WriteStateAsync(cancellationToken);
        }
        catch (Orleans.Storage.InconsistentStateException exception)
        {
            // Another activation of this region wrote since this one read (only while the cluster's membership
            // disagrees, e.g. a paused silo declared dead and then resumed): this one stops its loop and goes, so
            // that the region never runs twice and the newer state wins.
            _stale = true;
            StopTimer();
            Log.StaleActivation(logger, _key);
            this.DeactivateOnIdle();
            throw StaleWrites.Refused(_key, exception);
        }
    }

    /// <summary>Arms the phase-locked loop: regions start spread over one period so that their loops do not all fire at once.</summary>
    private void StartTimer(int periodMs)
    {
        StopTimer();
        var regions = Math.Max(1, topology.Regions.Count);
        var offset = TimeSpan.FromMilliseconds(periodMs * (double)_regionIndex / regions);
        _schedule = new LoopSchedule(time.GetUtcNow(), offset, TimeSpan.FromMilliseconds(periodMs));
        _timer = this.RegisterGrainTimer(TickAsync, new GrainTimerCreationOptions(_schedule.FirstDue(time.GetUtcNow()), Timeout.InfiniteTimeSpan) { KeepAlive = true });
    }

    private void StopTimer()
    {
        _timer?.Dispose();
        _timer = null;
        if (_schedule is not null)
        {
            _overrunsOfStoppedTimers += _schedule.Overruns;
            _schedule = null;
        }
    }

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        var schedule = _schedule;
        if (schedule is null)
        {
            return;
        }

        CountOverruns(schedule.OnTick(time.GetUtcNow()));
        await RunLoopCoreAsync(timed: true, schedule.LastBoundary, cancellationToken);
        if (ReferenceEquals(schedule, _schedule) && _timer is { } timer)
        {
            var (due, skipped) = schedule.NextDue(time.GetUtcNow());
            CountOverruns(skipped);
            timer.Change(due, Timeout.InfiniteTimeSpan);
        }
    }

    private void CountOverruns(long skipped)
    {
        if (skipped > 0)
        {
            instruments.Overruns(skipped);
            monitor.Overruns(skipped);
        }
    }

    /// <param name="timed">True for a timer's tick, false for a loop run by hand.</param>
    /// <param name="boundary">The schedule's boundary a timed loop belongs to (its response time counts from there).</param>
    /// <param name="cancellationToken">Cancels the loop's calls.</param>
    private async Task<LoopOutcome> RunLoopCoreAsync(bool timed, DateTimeOffset? boundary, CancellationToken cancellationToken)
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
            loop.SetTag("iteration", state.State.Iterations + 1);
        }

        LoopOutcome outcome;
        try
        {
            UsePendingPolicy();
            // Users report on loops run by hand, on the first loop of an activation and every UserReportEvery-th timed loop.
            var report = !timed || !_reportsFresh || state.State.Iterations % _options.UserReportEvery == 0;
            outcome = await RunStagesAsync(report, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // A policy that cannot be built or throws must not stop the region: count it, say why, try again next tick.
            state.State.FailedLoops++;
            monitor.LoopFailed(Key, exception.Message);
            Log.LoopFailed(logger, Key, exception.Message);
            _lastReason = exception.Message;
            outcome = LoopOutcome.Failed;
        }

        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        _lastOutcome = outcome;
        if (outcome == LoopOutcome.Completed)
        {
            state.State.Iterations++;
            _lastReason = "";
        }
        else
        {
            loop?.SetStatus(ActivityStatusCode.Error, _lastReason);
        }

        loop?.SetTag("outcome", ControlInstruments.Outcome(outcome));
        if (_policy is IsacPolicy { Adaptive: true } isac)
        {
            // The adaptive iteration budget reacts to the loop's response time: from the tick's boundary (the wait for a
            // scheduler thread while other regions' loops hold the cores counts too) to now; a loop run by hand has no
            // boundary, so its own length.
            var response = boundary is { } due ? Math.Max(elapsed, (time.GetUtcNow() - due).TotalMilliseconds) : elapsed;
            isac.EndLoop(response, PeriodMs);
            loop?.SetTag("isac.response-ms", response);
        }

        instruments.LoopEnded(elapsed, outcome);
        Publish(outcome, elapsed);
        if (time.GetElapsedTime(_lastCheckpoint) >= _options.CheckpointInterval)
        {
            _lastCheckpoint = time.GetTimestamp();
            await WriteAsync(cancellationToken);
        }

        return outcome;
    }

    private async Task<LoopOutcome> RunStagesAsync(bool report, CancellationToken cancellationToken)
    {
        RegionTelemetry telemetry;
        using (var pull = ControlTelemetry.Source.StartActivity("pull"))
        {
            try
            {
                telemetry = await ran.PullTelemetryAsync(Key, cancellationToken);
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
                await HoldLastDecisionAsync(telemetry.Slot, cancellationToken);
                return rejected;
            }

            if (verdict.RanRestarted)
            {
                // The RAN numbers its slots from the start again: count from this sample on (users keep their state).
                pull?.SetTag("ran-restarted", true);
                Log.RanRestarted(logger, Key, _minimumSlot, telemetry.Slot);
            }
        }

        using (var decide = ControlTelemetry.Source.StartActivity("decide"))
        {
            _configuration.Load(telemetry, _overrides);
            _decision.Beams = null;
            var isac = _policy as IsacPolicy;
            if (isac is not null)
            {
                if (state.State.CommunicationWeight is { } weight)
                {
                    isac.CommunicationWeight = weight;
                }

            }

            if (_policy is IAsyncAllocationPolicy silo)
            {
                try
                {
                    await silo.DecideAsync(_configuration, _fairness, _decision, cancellationToken);
                }
                catch (Exception exception) when (exception is SiloUnavailableException or TimeoutException or OrleansMessageRejectionException)
                {
                    // The inference silo is down or restarting: the RAN keeps the last good decision (fail-static), and
                    // the loop counts as failed with the silo's reason; the next tick asks again.
                    await HoldLastDecisionAsync(telemetry.Slot, cancellationToken);
                    throw;
                }
            }
            else
            {
                _policy!.Decide(_configuration, _fairness, _decision);
            }

            if (isac is not null)
            {
                instruments.IsacIterations(isac.LastIterationBudget, isac.Adaptive);
                decide?.SetTag("isac.iterations", isac.LastIterationBudget);
                decide?.SetTag("isac.solve-ms", isac.LastSolveMs);
            }
        }

        DecisionReceipt receipt;
        using (var push = ControlTelemetry.Source.StartActivity("push"))
        {
            var decision = new RegionDecision(telemetry.Slot, (double[])_decision.Power.Clone(), (int[])_decision.ServedReceiver.Clone(), BeamsOf(_decision.Beams));
            try
            {
                receipt = await ran.PushDecisionsAsync(Key, decision, cancellationToken);
            }
            catch (RanUnavailableException exception)
            {
                push?.SetStatus(ActivityStatusCode.Error, exception.Message);
                return RanUnavailable(exception.Message);
            }
            catch (RanRejectedException exception)
            {
                push?.SetStatus(ActivityStatusCode.Error, exception.Message);
                state.State.RejectedDecisions++;
                instruments.DecisionRejected();
                _lastReason = exception.Message;
                return LoopOutcome.DecisionRejected;
            }

            _minimumSlot = telemetry.Slot + 1;
            _previousTimestamp = telemetry.Timestamp;
            _lastBeams = decision.Beams as IReadOnlyList<double>[];
            state.State.LastSlot = telemetry.Slot;
            // Copied into the stored arrays rather than kept: the decision itself then dies with the loop.
            var stored = state.State;
            if (stored.LastPower?.Length != _decision.Power.Length || stored.LastServed?.Length != _decision.ServedReceiver.Length)
            {
                stored.LastPower = new double[_decision.Power.Length];
                stored.LastServed = new int[_decision.ServedReceiver.Length];
            }

            _decision.Power.CopyTo(stored.LastPower, 0);
            _decision.ServedReceiver.CopyTo(stored.LastServed, 0);
        }

        using (var learn = ControlTelemetry.Source.StartActivity("learn"))
        {
            if (ReceiptDefect(receipt) is { } defect)
            {
                learn?.SetStatus(ActivityStatusCode.Error, defect);
                return RejectTelemetry(TelemetryDefect.NonFiniteValue, defect);
            }

            _lastIsac = receipt.Isac;

            await LearnAsync(receipt, report);
        }

        return LoopOutcome.Completed;
    }

    private async Task LearnAsync(DecisionReceipt receipt, bool report)
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
            var observation = new UserObservation(receipt.Slot, rates[u], demands[u], alcor is null ? null : _alcor[u]);
            if (report)
            {
                _pendingUsers[u] = _users[u].ObserveAsync(observation);
            }
            else
            {
                _ = _users[u].ObserveQuietlyAsync(observation);
            }
        }
#pragma warning restore CA2012

        for (var c = 0; c < _cells.Length; c++)
        {
            var served = _decision.ServedReceiver[c];
            var decision = new CellDecision(receipt.Slot, _decision.Power[c], served >= 0 ? _topology.UserIds[served] : null, _policySpec);
            _pendingCells[c] = report ? _cells[c].RecordDecisionAsync(decision).AsTask() : _cells[c].RecordDecisionQuietlyAsync(decision);
        }

        Exception? failure = null;
        if (report)
        {
            for (var u = 0; u < _users.Length; u++)
            {
                try
                {
                    _reports[u] = await _pendingUsers[u];
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    failure ??= exception;
                }

                _pendingUsers[u] = default;
            }

            _reportsFresh = failure is null;
        }

        await Task.WhenAll(_pendingCells);
        instruments.UserUpdates(_users.Length);
        if (failure is not null)
        {
            throw new InvalidOperationException(Invariant($"A user of region '{Key}' failed to learn from slot {receipt.Slot}: {failure.Message}"), failure);
        }
    }

    /// <summary>Fail-static for a rejected sample whose slot is current: the RAN keeps serving the last good decision.</summary>
    private async Task HoldLastDecisionAsync(long slot, CancellationToken cancellationToken)
    {
        var stored = state.State;
        if (slot < _minimumSlot || stored.LastPower is null || stored.LastServed is null)
        {
            return;
        }

        using var hold = ControlTelemetry.Source.StartActivity("push");
        hold?.SetTag("hold", true);
        try
        {
            await ran.PushDecisionsAsync(Key, new RegionDecision(slot, (double[])stored.LastPower.Clone(), (int[])stored.LastServed.Clone(), _lastBeams), cancellationToken);
            stored.HeldDecisions++;
            _minimumSlot = slot + 1;
        }
        catch (Exception exception) when (exception is RanUnavailableException or RanRejectedException)
        {
            // The RAN could not take the held decision either (for example its user left); it keeps what it has.
            hold?.SetStatus(ActivityStatusCode.Error, exception.Message);
        }
    }

    /// <summary>A design (gamma) as the RAN protocol's per-cell blocks; null for a power-only decision.</summary>
    private IReadOnlyList<double>[]? BeamsOf(double[]? design)
    {
        if (design is null || _configuration.Isac is not { } network)
        {
            return null;
        }

        var blocks = new IReadOnlyList<double>[network.BaseStations];
        for (var l = 0; l < blocks.Length; l++)
        {
            var (start, length) = network.BeamBlock(l);
            blocks[l] = design.AsSpan(start, length).ToArray();
        }

        return blocks;
    }

    private LoopOutcome RejectTelemetry(TelemetryDefect defect, string reason)
    {
        state.State.RejectedTelemetry++;
        instruments.TelemetryRejected(defect);
        monitor.TelemetryRejected();
        _lastReason = reason;
        return LoopOutcome.TelemetryRejected;
    }

    private LoopOutcome RanUnavailable(string reason)
    {
        state.State.Unavailable++;
        instruments.Unavailable();
        monitor.Unavailable();
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
    /// The region's policy: <c>gnn:</c>, <c>dnn:</c> and <c>alcor(dnn:...)</c> through the inference silo role and <c>agg-gnn:</c> with its messages through
    /// the cell grains when the options say so (the defaults), anything else (wrappers included) as eval runs it.
    /// </summary>
    private IAllocationPolicy CreatePolicy(string spec)
    {
        var trimmed = spec.Trim();
        if (_options.InferenceSilo && trimmed.StartsWith(Controller.Policies.LearnedPolicies.GnnPrefix, StringComparison.Ordinal))
        {
            return new Inference.SiloGnnPolicy(GrainFactory.GetGrain<Inference.IInferenceGrain>(trimmed[Controller.Policies.LearnedPolicies.GnnPrefix.Length..].Trim()));
        }

        if (_options.InferenceSilo && _learned is { } served && AskSiloDnn(trimmed))
        {
            // dnn:NAME and alcor(dnn:NAME): the network runs on the inference silo, ALCOR and the features stay here.
            return new ControlPolicies(new Inference.SiloDnnPolicies(served, GrainFactory)).Create(spec, _options.Seed, _regionIndex);
        }

        if (_options.AggregationThroughCells
            && trimmed.StartsWith(Controller.Policies.LearnedPolicies.AggGnnPrefix, StringComparison.Ordinal)
            && _learned is { } learned)
        {
            var (weights, edgeThreshold) = learned.ResolveAggGnn(trimmed);
            return CellAggGnnPolicy.Create(GrainFactory, _topology.CellIds, weights, edgeThreshold, _options.Seed, _regionIndex);
        }

        return policies.Create(spec, _options.Seed, _regionIndex);
    }

    /// <summary>True for <c>dnn:NAME</c> alone or directly inside an ALCOR wrapper (other wrappers decide synchronously).</summary>
    private static bool AskSiloDnn(string spec)
    {
        var inner = spec;
        foreach (var wrapper in (ReadOnlySpan<string>)["alcor(", "alcor-simple("])
        {
            if (spec.StartsWith(wrapper, StringComparison.Ordinal))
            {
                inner = spec[wrapper.Length..].TrimStart();
            }
        }

        return inner.StartsWith(Controller.Policies.LearnedPolicies.DnnPrefix, StringComparison.Ordinal);
    }

    private void Publish(LoopOutcome outcome, double milliseconds) => monitor.Publish(
        Key,
        new LoopSummary(_policySpec, state.State.Iterations, state.State.LastSlot, outcome, milliseconds, _topology.UserIds),
        _reports,
        _configuration.Demands,
        _policy is AlcorPolicy ? _alcor : []);

    private static string Invariant(FormattableString message) => message.ToString(CultureInfo.InvariantCulture);

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Region {Region}: loop started every {PeriodMs} ms with policy {Policy}")]
        public static partial void LoopStarted(ILogger logger, string region, int periodMs, string policy);

        [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Region {Region}: loop stopped")]
        public static partial void LoopStopped(ILogger logger, string region);

        [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Region {Region}: loop resumed every {PeriodMs} ms after its activation was lost")]
        public static partial void LoopResumed(ILogger logger, string region, int periodMs);

        [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Region {Region}: policy {Before} -> {After} from the next loop")]
        public static partial void PolicySet(ILogger logger, string region, string before, string after);

        [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "User {User}: operator demand {Before} -> {After} bps/Hz")]
        public static partial void DemandSet(ILogger logger, string user, double before, double after);

        [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "User {User}: operator demand {Before} bps/Hz cleared")]
        public static partial void DemandCleared(ILogger logger, string user, double before);

        [LoggerMessage(EventId = 8, Level = LogLevel.Warning, Message = "Region {Region}: the RAN restarted (slot {Expected} expected, {Slot} received with a newer timestamp); loops go on from its slot")]
        public static partial void RanRestarted(ILogger logger, string region, long expected, long slot);

        [LoggerMessage(EventId = 9, Level = LogLevel.Error, Message = "Region {Region}: another activation of this region wrote its state (ETag changed); this one stopped its loop and deactivates")]
        public static partial void StaleActivation(ILogger logger, string region);

        [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Region {Region}: ISAC communication weight {Before} -> {After} from the next loop")]
        public static partial void CommunicationWeightSet(ILogger logger, string region, double before, double after);

        [LoggerMessage(EventId = 7, Level = LogLevel.Warning, Message = "Region {Region}: loop failed: {Reason}")]
        public static partial void LoopFailed(ILogger logger, string region, string reason);
    }
}
