using System.Globalization;
using Controller.Optimization.Dbinum;
using Controller.Runtime.Grains;
using Controller.Runtime.Storage;

namespace Controller.Grains;

/// <summary>
/// A link of paper 000 (DBiNUM): here, a cell. Its users report (x, v); it answers with its price, curvature,
/// <c>h s</c> and headroom share (<see cref="DbinumLinkState"/>), so users never talk to each other. Key: cell id ("r000/c00").
/// </summary>
[GrainType("link")]
public interface ILinkGrain : IGrain
{
    /// <summary>Starts (or restarts) DBiNUM on this link with no reports yet; throws <see cref="ArgumentOutOfRangeException"/> for a bad capacity or tau.</summary>
    Task<DbinumLinkView> JoinDbinumAsync(DbinumLinkSetup setup, CancellationToken cancellationToken);

    /// <summary>
    /// One exchange (step 2 of a round, and the price of each lower-level step): the reports of all the
    /// link's users, in a fixed order, in; the link's signal out. Throws <see cref="ArgumentOutOfRangeException"/>
    /// for a rate that is not positive and finite or a v that is not finite, and <see cref="InvalidOperationException"/>
    /// when the rates reach the capacity; the link's state is then unchanged.
    /// </summary>
    ValueTask<DbinumLinkSignal> DbinumExchangeAsync(IReadOnlyList<DbinumUserReport> reports, CancellationToken cancellationToken);

    /// <summary>The link's whole state.</summary>
    Task<LinkState> GetStateAsync(CancellationToken cancellationToken);
}

/// <summary>
/// One link (see <see cref="ILinkGrain"/>). An exchange is computed on a second <see cref="DbinumLinkState"/>
/// and swapped in only when it succeeds, so rejected reports leave the state as it was. State is written when
/// the link joins a run, by a checkpoint timer when changed, and on deactivation.
/// </summary>
internal sealed class LinkGrain(ControlPlane plane) : Grain, ILinkGrain
{
    private PersistentState<LinkState> _state = null!;
    // The state after the last exchange, and the instance the next exchange is computed on (they swap on success).
    private DbinumLinkState? _link;
    private DbinumLinkState? _scratch;
    private bool _dirty;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!plane.TryFindCell(Key, out var region, out _))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Unknown link '{Key}': links are cells, and the RAN has {plane.CellCount} cells."));
        }

        _state = await ReadStateAsync<LinkState>("link", cancellationToken).ConfigureAwait(false);
        _state.Value.Region = region.RegionId;
        if (_state.Value.Dbinum is { } view)
        {
            _link = DbinumLinkState.Restore(view.Capacity, view.BarrierWeight, view.Load, view.AuxiliarySum, view.Users);
            _scratch = new DbinumLinkState(view.Capacity, view.BarrierWeight);
        }

        var interval = plane.Options.CheckpointInterval;
        RegisterTimer(CheckpointAsync, interval, interval, keepAlive: false);
    }

    public override Task OnDeactivateAsync(CancellationToken cancellationToken) => _state.WriteAsync(cancellationToken);

    public async Task<DbinumLinkView> JoinDbinumAsync(DbinumLinkSetup setup, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(setup);
        var link = new DbinumLinkState(setup.Capacity, setup.BarrierWeight);
        _link = link;
        _scratch = new DbinumLinkState(setup.Capacity, setup.BarrierWeight);
        var view = View(link, link.Signal(), exchanges: 0);
        _state.Value.Dbinum = view;
        _dirty = false;
        await _state.WriteAsync(cancellationToken).ConfigureAwait(false);
        return view;
    }

    public ValueTask<DbinumLinkSignal> DbinumExchangeAsync(IReadOnlyList<DbinumUserReport> reports, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reports);
        if (_state.Value.Dbinum is not { } view || _scratch is null)
        {
            throw new InvalidOperationException($"Link '{Key}' has not joined a DBiNUM run; call JoinDbinumAsync first.");
        }

        for (var i = 0; i < reports.Count; i++)
        {
            var report = reports[i];
            if (!(report.Rate > 0) || !double.IsFinite(report.Rate))
            {
                throw new ArgumentOutOfRangeException(nameof(reports), report.Rate, string.Create(CultureInfo.InvariantCulture, $"Report {i} to link '{Key}' has rate {report.Rate:R}; DBiNUM rates are positive and finite."));
            }

            if (!double.IsFinite(report.Auxiliary))
            {
                throw new ArgumentOutOfRangeException(nameof(reports), report.Auxiliary, string.Create(CultureInfo.InvariantCulture, $"Report {i} to link '{Key}' has v = {report.Auxiliary:R}; v must be finite."));
            }
        }

        var next = _scratch;
        next.Clear();
        for (var i = 0; i < reports.Count; i++)
        {
            next.Add(reports[i].Rate, reports[i].Auxiliary);
        }

        // Throws when the rates reach P; the current state (_link) is untouched until here.
        var signal = next.Signal();
        (_link, _scratch) = (next, _link);
        _state.Value.Dbinum = View(next, signal, view.Exchanges + 1);
        _dirty = true;
        return ValueTask.FromResult(signal);
    }

    public Task<LinkState> GetStateAsync(CancellationToken cancellationToken)
        => Task.FromResult(new LinkState { Region = _state.Value.Region, Dbinum = _state.Value.Dbinum });

    private static DbinumLinkView View(DbinumLinkState link, DbinumLinkSignal signal, long exchanges)
        => new(link.Capacity, link.BarrierWeight, link.Load, link.AuxiliarySum, link.Users, signal.Price, signal.Curvature, exchanges);

    // A turn of its own, so an exchange never waits for a write.
    private async Task CheckpointAsync(CancellationToken cancellationToken)
    {
        if (_dirty)
        {
            _dirty = false;
            await _state.WriteAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
