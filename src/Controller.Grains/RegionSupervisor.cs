using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Controller.Grains;

/// <summary>
/// Keeps every region of a cluster running wherever its activation lives. Each control silo runs one: when it becomes
/// active, whenever membership declares a silo dead, and every <see cref="ControlPlaneOptions.RegionSweepPeriod"/>, it
/// calls <see cref="IRegionGrain.EnsureRunningAsync"/> on every region. A region whose silo died has no activation;
/// the call places a new one on a surviving control silo, whose activation reads the stored state and resumes the loop.
/// The calls are idempotent and cheap for live regions, so every control silo sweeping (rather than one elected
/// leader) costs little and needs no election that could itself fail over. Orleans' reminders alone would bring a
/// region back only at their next tick (one minute at the least); this brings it back as soon as the death is known.
/// </summary>
internal sealed partial class RegionSupervisor(
    IGrainFactory grains,
    ControlTopology topology,
    IClusterMembershipService membership,
    IOptions<ControlPlaneOptions> options,
    ILogger<RegionSupervisor> logger) : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _sweeping = new(1, 1);
    private Task _watch = Task.CompletedTask;
    private Task _periodic = Task.CompletedTask;

    /// <summary>Sweeps done (for tests).</summary>
    public long Sweeps => Interlocked.Read(ref _sweeps);

    private long _sweeps;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(RegionSupervisor), ServiceLifecycleStage.Active, OnStartAsync, OnStopAsync);

    public void Dispose()
    {
        _stopping.Dispose();
        _sweeping.Dispose();
    }

    private Task OnStartAsync(CancellationToken cancellationToken)
    {
        var token = _stopping.Token;
        _watch = Task.Run(() => WatchMembershipAsync(token), CancellationToken.None);
        _periodic = Task.Run(() => SweepPeriodicallyAsync(token), CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task OnStopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_watch, _periodic).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping: the sweeps end with the silo.
        }
    }

    private async Task SweepPeriodicallyAsync(CancellationToken cancellationToken)
    {
        var period = options.Value.RegionSweepPeriod ?? TimeSpan.FromSeconds(5);
        using var timer = new PeriodicTimer(period);
        try
        {
            // Silos of a cluster usually start together: the first one up would otherwise place every region on itself
            // (the only control silo it knows) before the others join.
            await Task.Delay(StartupSettle, cancellationToken).ConfigureAwait(false);
            await SweepAsync("silo active", cancellationToken).ConfigureAwait(false);
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                await SweepAsync("periodic", cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task WatchMembershipAsync(CancellationToken cancellationToken)
    {
        var dead = new HashSet<SiloAddress>();
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                var newlyDead = snapshot.Members.Values.Where(m => m.Status == SiloStatus.Dead && dead.Add(m.SiloAddress)).ToList();
                if (newlyDead.Count > 0)
                {
                    Log.SiloDeclaredDead(logger, string.Join(", ", newlyDead.Select(m => m.SiloAddress.ToString())));
                    await SweepAsync("silo declared dead", cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>
    /// One sweep: every region at once. Right after a death the directory may still point at the dead silo and a call
    /// fails; those regions are asked again every <see cref="RetryDelay"/>, <see cref="Retries"/> times, before the
    /// sweep leaves them to the next one.
    /// </summary>
    private async Task SweepAsync(string why, CancellationToken cancellationToken)
    {
        await _sweeping.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            IReadOnlyList<string> pending = [.. topology.Regions.Select(r => r.RegionId)];
            for (var attempt = 0; pending.Count > 0; attempt++)
            {
                if (attempt > 0)
                {
                    if (attempt > Retries)
                    {
                        Log.SweepIncomplete(logger, why, pending.Count, topology.Regions.Count);
                        break;
                    }

                    await Task.Delay(RetryDelay, cancellationToken).ConfigureAwait(false);
                }

                var answers = await Task.WhenAll(pending.Select(async id => (id, ok: await EnsureAsync(id, cancellationToken).ConfigureAwait(false)))).ConfigureAwait(false);
                pending = [.. answers.Where(a => !a.ok).Select(a => a.id)];
            }

            Interlocked.Increment(ref _sweeps);
        }
        finally
        {
            _sweeping.Release();
        }
    }

    /// <summary>Wait after this silo becomes active before its first sweep.</summary>
    internal static readonly TimeSpan StartupSettle = TimeSpan.FromSeconds(3);

    /// <summary>Pause between asking again the regions that did not answer a sweep.</summary>
    internal static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(200);

    /// <summary>Times a sweep asks again before leaving a region to the next sweep.</summary>
    internal const int Retries = 10;

    private async Task<bool> EnsureAsync(string regionId, CancellationToken cancellationToken)
    {
        try
        {
            await grains.GetGrain<IRegionGrain>(regionId).EnsureRunningAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.EnsureFailed(logger, regionId, exception.Message);
            return false;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 20, Level = LogLevel.Warning, Message = "Silo(s) declared dead: {Silos}; making sure every region runs on the survivors")]
        public static partial void SiloDeclaredDead(ILogger logger, string silos);

        [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "Region sweep ({Why}): {Failed} of {Regions} regions did not answer; the next sweep tries again")]
        public static partial void SweepIncomplete(ILogger logger, string why, int failed, int regions);

        [LoggerMessage(EventId = 22, Level = LogLevel.Information, Message = "Region {Region}: ensure-running failed, asked again shortly: {Reason}")]
        public static partial void EnsureFailed(ILogger logger, string region, string reason);
    }
}
