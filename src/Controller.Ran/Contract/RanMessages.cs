namespace Controller.Ran.Contract;

/// <summary>The RAN's layout: independent regions (no interference between regions), each with cells and users.</summary>
/// <param name="Regions">Every region.</param>
public sealed record RanTopology(IReadOnlyList<RegionTopology> Regions);

/// <summary>One region: a scenario configuration whose transmitters are cells and receivers are users.</summary>
/// <param name="RegionId">Stable id, e.g. "r017".</param>
/// <param name="Scenario">Scenario name it was drawn from.</param>
/// <param name="CellIds">Cell ids, index = transmitter index in gains.</param>
/// <param name="UserIds">User ids, index = receiver index in gains.</param>
/// <param name="ServingCell">For each user, the index of its associated cell.</param>
/// <param name="Noise">Noise power (linear, same unit as powers).</param>
/// <param name="MaxPower">Largest power of one cell.</param>
/// <param name="PowerUnit">"mW" or "" (normalized).</param>
/// <param name="PowerBudget">Total power the region's cells may use together (paper 004); 0 = cells x MaxPower (no budget beyond each cell's maximum).</param>
/// <param name="CellPositions">Where the cells are (the scenario's length unit), index = cell index; null where the scenario has no geometry.</param>
/// <param name="UserPositions">Where the users were when the region was drawn, index = user index; null where the scenario has no geometry (users may move later).</param>
public sealed record RegionTopology(
    string RegionId,
    string Scenario,
    IReadOnlyList<string> CellIds,
    IReadOnlyList<string> UserIds,
    IReadOnlyList<int> ServingCell,
    double Noise,
    double MaxPower,
    string PowerUnit,
    double PowerBudget = 0,
    IReadOnlyList<Position>? CellPositions = null,
    IReadOnlyList<Position>? UserPositions = null)
{
    /// <summary>The budget in force: <see cref="PowerBudget"/>, or cells x MaxPower when none is set.</summary>
    public double EffectivePowerBudget => PowerBudget > 0 ? PowerBudget : CellIds.Count * MaxPower;
}

/// <summary>A point on the plane in the scenario's length unit (metres in the scenarios with geometry).</summary>
/// <param name="X">Abscissa.</param>
/// <param name="Y">Ordinate.</param>
public readonly record struct Position(double X, double Y);

/// <summary>
/// One region's telemetry for one slot. <c>Gains[u][c]</c> is the linear power gain from cell c to user u
/// (<c>Gains.Count == users</c>, each row <c>== cells</c>). <c>Rates</c> are the rates users achieved with
/// the previous decision (0 for users not served, all 0 before the first decision).
/// </summary>
/// <param name="RegionId">The region.</param>
/// <param name="Slot">Slot index of these gains (increases by one per applied decision).</param>
/// <param name="Timestamp">When the RAN measured it (the RAN's clock).</param>
/// <param name="Gains">Gains of this slot, users x cells.</param>
/// <param name="Active">Which users have traffic this slot.</param>
/// <param name="Rates">Rates achieved in the previous slot (bps/Hz).</param>
/// <param name="Demands">Current per-user minimum rates (bps/Hz; 0 = none); they change at run time.</param>
/// <param name="Awake">
/// Which cells are awake this slot (paper 004's asynchronous setting): an asleep cell sends no aggregation messages and
/// keeps its last power. Null (the usual case) when every cell is awake.
/// </param>
public sealed record RegionTelemetry(
    string RegionId,
    long Slot,
    DateTimeOffset Timestamp,
    IReadOnlyList<IReadOnlyList<double>> Gains,
    IReadOnlyList<bool> Active,
    IReadOnlyList<double> Rates,
    IReadOnlyList<double> Demands,
    IReadOnlyList<bool>? Awake = null);

/// <summary>One loop's decision for a region, for the slot it was computed from.</summary>
/// <param name="Slot">The telemetry slot the decision answers; the RAN refuses decisions for other slots.</param>
/// <param name="Power">Transmit power per cell (0 = off), in [0, MaxPower].</param>
/// <param name="ServedUser">User index served per cell, -1 for none; the user must be associated with the cell.</param>
public sealed record RegionDecision(long Slot, IReadOnlyList<double> Power, IReadOnlyList<int> ServedUser);

/// <summary>What the RAN did with a decision.</summary>
/// <param name="Slot">The slot the decision was applied to.</param>
/// <param name="Rates">Per-user rates achieved with it (bps/Hz).</param>
public sealed record DecisionReceipt(long Slot, IReadOnlyList<double> Rates);

/// <summary>The RAN did not answer (down, unreachable, timed out). Cells hold their last decision (fail-static).</summary>
public sealed class RanUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RanUnavailableException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public RanUnavailableException()
        : this("The RAN is unavailable.")
    {
    }

    /// <summary>Creates the exception.</summary>
    public RanUnavailableException(string message)
        : this(message, null)
    {
    }
}

/// <summary>Why the RAN refused a request; the HTTP protocol maps each to one status code.</summary>
public enum RanRejection
{
    /// <summary>Malformed or out-of-range input (HTTP 400).</summary>
    InvalidRequest,

    /// <summary>A region, cell or user id the RAN does not know (HTTP 404).</summary>
    UnknownId,

    /// <summary>A decision for a slot other than the region's current one (HTTP 409): pull again and decide anew.</summary>
    WrongSlot,

    /// <summary>A request body above the RAN's size limit (HTTP 413).</summary>
    TooLarge,
}

/// <summary>The RAN refused a request (unknown id, wrong slot, out-of-range power); the message says why.</summary>
public sealed class RanRejectedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RanRejectedException(RanRejection reason, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Reason = reason;
    }

    /// <summary>Creates the exception for an invalid request.</summary>
    public RanRejectedException(string message, Exception? innerException = null)
        : this(RanRejection.InvalidRequest, message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public RanRejectedException()
        : this("The RAN rejected the request.")
    {
    }

    /// <summary>Creates the exception for an invalid request.</summary>
    public RanRejectedException(string message)
        : this(message, null)
    {
    }

    /// <summary>Which kind of refusal this is.</summary>
    public RanRejection Reason { get; }
}
