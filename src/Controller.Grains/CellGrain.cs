using System.Globalization;
using Microsoft.Extensions.Options;

namespace Controller.Grains;

/// <summary>What a cell grain persists.</summary>
[GenerateSerializer]
[Alias("cell-state")]
public sealed class CellState
{
    /// <summary>Last decision applied, null before the first.</summary>
    [Id(0)]
    public CellDecision? LastDecision { get; set; }

    /// <summary>Decisions applied so far.</summary>
    [Id(1)]
    public long Decisions { get; set; }
}

/// <summary>A cell (see <see cref="ICellGrain"/>): records what its region decided for it; written by a checkpoint timer when changed and on deactivation.</summary>
[GrainType("cell")]
[Inference.ControlRolePlacement]
[Orleans.Placement.PreferLocalPlacement]
internal sealed partial class CellGrain(
    [PersistentState("cell", Hosting.ControlPlaneHosting.StorageName)] IPersistentState<CellState> state,
    ControlTopology topology,
    IOptions<ControlPlaneOptions> options) : Grain, ICellGrain
{
    private string _key = "";
    private string _region = "";
    private string[] _users = [];
    private string[] _neighbours = [];
    private Checkpoint<CellState> _checkpoint = null!;

    private string Key => _key;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _key = this.GetPrimaryKeyString();
        if (!topology.TryFindCell(_key, out var region, out var index))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Unknown cell '{_key}'; the RAN has {topology.CellCount} cells."));
        }

        _region = region.RegionId;
        _users = [.. region.UserIds.Where((_, u) => region.ServingCell[u] == index)];
        _neighbours = [.. region.CellIds.Where((_, c) => c != index)];
        var interval = options.Value.CheckpointInterval;
        _checkpoint = new Checkpoint<CellState>(state, _key, Checkpoint<CellState>.NoCheck);
        _checkpoint.StartTimer(this, interval, interval);
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) =>
        _checkpoint.WriteIfChangedAsync(cancellationToken);

    public ValueTask RecordDecisionAsync(CellDecision decision)
    {
        Record(decision);
        return ValueTask.CompletedTask;
    }

    public Task RecordDecisionQuietlyAsync(CellDecision decision)
    {
        Record(decision);
        return Task.CompletedTask;
    }

    private void Record(CellDecision decision)
    {
        if (!double.IsFinite(decision.Power) || decision.Power < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(decision), decision.Power, string.Create(CultureInfo.InvariantCulture, $"Cell '{_key}' got power {decision.Power:R}; a power is finite and not negative."));
        }

        state.State.LastDecision = decision;
        state.State.Decisions++;
        _checkpoint.MarkDirty();
    }

    public Task<CellView> GetViewAsync(CancellationToken cancellationToken) =>
        Task.FromResult(new CellView(_key, _region, _users, _neighbours, state.State.LastDecision, state.State.Decisions));
}
