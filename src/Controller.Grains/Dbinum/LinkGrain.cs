using System.Globalization;
using Controller.Optimization.Dbinum;
using Microsoft.Extensions.Options;

namespace Controller.Grains;

/// <summary>
/// A link of paper 000 (DBiNUM): here, a cell. Its users report (x, v); it answers with its price, curvature,
/// <c>h s</c> and headroom share (<see cref="DbinumLinkState"/>), so users never talk to each other. Key: cell id ("r000/c00").
/// </summary>
[Alias("link")]
public interface ILinkGrain : IGrainWithStringKey
{
    /// <summary>Starts (or restarts) DBiNUM on this link with no reports yet; throws <see cref="ArgumentOutOfRangeException"/> for a bad capacity or tau.</summary>
    Task<DbinumLinkView> JoinDbinumAsync(DbinumLinkSetup setup, CancellationToken cancellationToken = default);

    /// <summary>
    /// One exchange (step 2 of a round, and the price of each lower-level step): the reports of all the
    /// link's users, in a fixed order, in; the link's signal out. Throws <see cref="ArgumentOutOfRangeException"/>
    /// for a rate that is not positive and finite or a v that is not finite, and <see cref="InvalidOperationException"/>
    /// when the rates reach the capacity; the link's state is then unchanged.
    /// </summary>
    ValueTask<DbinumLinkSignal> DbinumExchangeAsync(IReadOnlyList<DbinumUserReport> reports, CancellationToken cancellationToken = default);

    /// <summary>The link's whole state.</summary>
    Task<LinkState> GetStateAsync(CancellationToken cancellationToken = default);
}

/// <summary>
/// One link (see <see cref="ILinkGrain"/>). An exchange is computed on a second <see cref="DbinumLinkState"/>
/// and swapped in only when it succeeds, so rejected reports leave the state as it was. State is written when
/// the link joins a run, by a checkpoint timer when changed, and on deactivation.
/// </summary>
[GrainType("link")]
[Inference.ControlRolePlacement]
[Orleans.Placement.PreferLocalPlacement]
internal sealed class LinkGrain(
    [PersistentState("link", Hosting.ControlPlaneHosting.StorageName)] IPersistentState<LinkState> state,
    ControlTopology topology,
    IOptions<ControlPlaneOptions> options) : Grain, ILinkGrain
{
    private string _key = "";
    // The state after the last exchange, and the instance the next exchange is computed on (they swap on success).
    private DbinumLinkState? _link;
    private DbinumLinkState? _scratch;
    private Checkpoint<LinkState> _checkpoint = null!;

    private string Key => _key;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _key = this.GetPrimaryKeyString();
        if (!topology.TryFindCell(Key, out var region, out _))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Unknown link '{Key}': links are cells, and the RAN has {topology.CellCount} cells."));
        }

        state.State.Region = region.RegionId;
        if (state.State.Dbinum is { } view)
        {
            _link = DbinumLinkState.Restore(view.Capacity, view.BarrierWeight, view.Load, view.AuxiliarySum, view.Users);
            _scratch = new DbinumLinkState(view.Capacity, view.BarrierWeight);
        }

        var interval = options.Value.CheckpointInterval;
        _checkpoint = new Checkpoint<LinkState>(state, _key, StateGuard.RequireFinite);
        _checkpoint.StartTimer(this, interval, interval);
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) =>
        _checkpoint.WriteIfChangedAsync(cancellationToken);

    public async Task<DbinumLinkView> JoinDbinumAsync(DbinumLinkSetup setup, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(setup);
        var link = new DbinumLinkState(setup.Capacity, setup.BarrierWeight);
        _link = link;
        _scratch = new DbinumLinkState(setup.Capacity, setup.BarrierWeight);
        var view = View(link, link.Signal(), exchanges: 0);
        state.State.Dbinum = view;
        await _checkpoint.WriteNowAsync(cancellationToken);
        return view;
    }

    public ValueTask<DbinumLinkSignal> DbinumExchangeAsync(IReadOnlyList<DbinumUserReport> reports, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reports);
        if (state.State.Dbinum is not { } view || _scratch is null)
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
        state.State.Dbinum = View(next, signal, view.Exchanges + 1);
        _checkpoint.MarkDirty();
        return ValueTask.FromResult(signal);
    }

    public Task<LinkState> GetStateAsync(CancellationToken cancellationToken)
        => Task.FromResult(new LinkState { Region = state.State.Region, Dbinum = state.State.Dbinum });

    private static DbinumLinkView View(DbinumLinkState link, DbinumLinkSignal signal, long exchanges)
        => new(link.Capacity, link.BarrierWeight, link.Load, link.AuxiliarySum, link.Users, signal.Price, signal.Curvature, exchanges);
}
