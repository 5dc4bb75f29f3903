using System.Globalization;
using Controller.Runtime.Grains;
using Controller.Runtime.Storage;

namespace Controller.Grains;

/// <summary>What a cell grain persists.</summary>
public sealed class CellState
{
    /// <summary>Last decision applied, null before the first.</summary>
    public CellDecision? LastDecision { get; set; }

    /// <summary>Decisions applied so far.</summary>
    public long Decisions { get; set; }
}

/// <summary>A cell (see <see cref="ICellGrain"/>): records what its region decided for it; written by a checkpoint timer when changed and on deactivation.</summary>
internal sealed partial class CellGrain(ControlPlane plane) : Grain, ICellGrain
{
    private PersistentState<CellState> _state = null!;
    private string _region = "";
    private string[] _users = [];
    private string[] _neighbours = [];
    private bool _dirty;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!plane.TryFindCell(Key, out var region, out var index))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Unknown cell '{Key}'; the RAN has {plane.CellCount} cells."));
        }

        _region = region.RegionId;
        _users = [.. region.UserIds.Where((_, u) => region.ServingCell[u] == index)];
        _neighbours = [.. region.CellIds.Where((_, c) => c != index)];
        _state = await ReadStateAsync<CellState>("cell", cancellationToken).ConfigureAwait(false);
        var interval = plane.Options.CheckpointInterval;
        RegisterTimer(CheckpointAsync, interval, interval, keepAlive: false);
    }

    public override Task OnDeactivateAsync(CancellationToken cancellationToken) => _state.WriteAsync(cancellationToken);

    public ValueTask RecordDecisionAsync(CellDecision decision, CancellationToken cancellationToken)
    {
        _state.Value.LastDecision = decision;
        _state.Value.Decisions++;
        _dirty = true;
        return ValueTask.CompletedTask;
    }

    private async Task CheckpointAsync(CancellationToken cancellationToken)
    {
        if (_dirty)
        {
            _dirty = false;
            await _state.WriteAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public Task<CellView> GetViewAsync(CancellationToken cancellationToken) =>
        Task.FromResult(new CellView(Key, _region, _users, _neighbours, _state.Value.LastDecision, _state.Value.Decisions));
}
