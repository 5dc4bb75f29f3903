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
/// <param name="Isac">The region's ISAC cells (antenna arrays, targets, echo model) when it runs the <c>isac</c> scenario; null otherwise.</param>
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
    IReadOnlyList<Position>? UserPositions = null,
    IsacTopology? Isac = null)
{
    /// <summary>The budget in force: <see cref="PowerBudget"/>, or cells x MaxPower when none is set.</summary>
    public double EffectivePowerBudget => PowerBudget > 0 ? PowerBudget : CellIds.Count * MaxPower;
}

/// <summary>
/// What is fixed about a region's ISAC cells (paper 002): every cell is a base station with an N-antenna
/// half-wavelength ULA that transmits beams and receives the echoes of J point targets. Per-cell power budgets are
/// <see cref="RegionTopology.MaxPower"/>; users are single-antenna and served by their cell (<see cref="RegionTopology.ServingCell"/>).
/// </summary>
/// <param name="Antennas">N, antennas per base station.</param>
/// <param name="ArrayFacing">Direction of each cell's array broadside, radians from the x axis, index = cell index.</param>
/// <param name="Targets">J, point targets.</param>
/// <param name="Reflection">alpha_{l,j}, the reflection coefficient of the path from cell l via target j, as (re, im) at index 2 (l J + j).</param>
/// <param name="SensingNoise">sigma_r^2, noise per antenna at each echo receiver (same unit as powers).</param>
/// <param name="Samples">T, snapshots per sensing block.</param>
/// <param name="RelativeError">eps: every reported channel is within ||Delta|| &lt;= eps ||h~|| of the true one.</param>
public sealed record IsacTopology(
    int Antennas,
    IReadOnlyList<double> ArrayFacing,
    int Targets,
    IReadOnlyList<double> Reflection,
    double SensingNoise,
    int Samples,
    double RelativeError);

/// <summary>The ISAC part of one slot's telemetry: channel vectors and where the tracked targets are.</summary>
/// <param name="Channels">
/// The estimates h~_{l,u} (complex, per cell l, user u and antenna n) as (re, im) at index 2 ((l users + u) N + n);
/// the true channel differs by the bounded error of <see cref="IsacTopology.RelativeError"/>.
/// </param>
/// <param name="Targets">The targets' positions this slot (the tracker's output), index = target.</param>
public sealed record IsacTelemetry(IReadOnlyList<double> Channels, IReadOnlyList<Position> Targets);

/// <summary>What an ISAC region measured with a decision: echo-based tracking and the users' rates under the true channel.</summary>
/// <param name="TargetCrlb">CRLB of each target's position (m^2) for the applied design at the targets' positions of that slot; "Infinity" when a position is unobservable.</param>
/// <param name="Crlb">Their sum (eq. 10 of paper 002), m^2.</param>
/// <param name="NominalWsr">Weighted sum rate the design achieves at the reported channel estimates (bps/Hz).</param>
/// <param name="TrueWsr">Weighted sum rate it achieved under the true channel (bps/Hz); the per-user rates are the receipt's.</param>
/// <param name="Targets">Where the targets were (m).</param>
/// <param name="Beamformed">True when the decision carried beams; false when the RAN sent matched-filter beams at the decided powers.</param>
public sealed record IsacReceipt(IReadOnlyList<double> TargetCrlb, double Crlb, double NominalWsr, double TrueWsr, IReadOnlyList<Position> Targets, bool Beamformed);

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
/// <param name="Isac">Channel vectors and target positions of an ISAC region (its topology has <see cref="RegionTopology.Isac"/>); null otherwise.</param>
public sealed record RegionTelemetry(
    string RegionId,
    long Slot,
    DateTimeOffset Timestamp,
    IReadOnlyList<IReadOnlyList<double>> Gains,
    IReadOnlyList<bool> Active,
    IReadOnlyList<double> Rates,
    IReadOnlyList<double> Demands,
    IReadOnlyList<bool>? Awake = null,
    IsacTelemetry? Isac = null);

/// <summary>One loop's decision for a region, for the slot it was computed from.</summary>
/// <param name="Slot">The telemetry slot the decision answers; the RAN refuses decisions for other slots.</param>
/// <param name="Power">Transmit power per cell (0 = off), in [0, MaxPower].</param>
/// <param name="ServedUser">User index served per cell, -1 for none; the user must be associated with the cell.</param>
/// <param name="Beams">
/// ISAC regions only, optional: per cell l its N x (K_l + N) transmit matrix [v_{l,1} .. v_{l,K_l} B_l] (user beams, then a
/// factor of the sensing covariance Q = B B^H), column by column, each complex entry as (re, im), in sqrt(power unit);
/// its squared norm (the cell's power) must be within <see cref="RegionTopology.MaxPower"/>. Null: matched-filter beams at <paramref name="Power"/>.
/// </param>
public sealed record RegionDecision(long Slot, IReadOnlyList<double> Power, IReadOnlyList<int> ServedUser, IReadOnlyList<IReadOnlyList<double>>? Beams = null);

/// <summary>What the RAN did with a decision.</summary>
/// <param name="Slot">The slot the decision was applied to.</param>
/// <param name="Rates">Per-user rates achieved with it (bps/Hz).</param>
/// <param name="Isac">Tracking metrics and WSRs of an ISAC region; null otherwise.</param>
public sealed record DecisionReceipt(long Slot, IReadOnlyList<double> Rates, IsacReceipt? Isac = null);

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
