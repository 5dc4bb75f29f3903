using Controller.Radio.Channels;

namespace Controller.Radio.Scenarios;

/// <summary>
/// One drawn network (a "configuration" in paper 003's words): transmitters, receivers, who serves whom,
/// and a channel that evolves slot by slot. Call <see cref="Advance"/> before reading the first slot.
/// Everything is fixed by (scenario, settings, seed, index).
/// </summary>
public abstract class NetworkConfiguration
{
    private readonly int[] _servingTransmitter;
    private readonly double[] _demands;

    /// <summary>Sets up the static part; subclasses fill positions and draw their first slot lazily.</summary>
    protected NetworkConfiguration(int index, int transmitters, int[] servingTransmitter, bool oneToOne, RadioConstants constants, double[] demands)
    {
        ArgumentNullException.ThrowIfNull(servingTransmitter);
        ArgumentNullException.ThrowIfNull(constants);
        ArgumentNullException.ThrowIfNull(demands);
        Index = index;
        Transmitters = transmitters;
        _servingTransmitter = servingTransmitter;
        OneToOne = oneToOne;
        Constants = constants;
        _demands = demands;
        Gains = new GainMatrix(servingTransmitter.Length, transmitters);
        Active = new bool[servingTransmitter.Length];
        Array.Fill(Active, true);
        Awake = new bool[transmitters];
        Array.Fill(Awake, true);
    }

    /// <summary>Index of this configuration within its run.</summary>
    public int Index { get; }

    /// <summary>Number of transmitters (links, APs or cells' radios).</summary>
    public int Transmitters { get; }

    /// <summary>Number of receivers (links' receivers or users).</summary>
    public int Receivers => _servingTransmitter.Length;

    /// <summary>
    /// True when receiver i is the only receiver of transmitter i (interference channels, no user
    /// selection); false when transmitters are APs that each choose one of several associated users.
    /// </summary>
    public bool OneToOne { get; }

    /// <summary>The transmitter each receiver is associated with.</summary>
    public ReadOnlySpan<int> ServingTransmitter => _servingTransmitter;

    /// <summary>Noise power, per-transmitter maximum power and total power budget (linear, same units).</summary>
    public RadioConstants Constants { get; }

    /// <summary>Per-receiver minimum rate (bps/Hz); zero means no demand.</summary>
    public ReadOnlySpan<double> Demands => _demands;

    /// <summary>
    /// The demands for subclasses whose demands change at run time (a configuration fed by live telemetry);
    /// scenario configurations never write them.
    /// </summary>
    protected Span<double> WritableDemands => _demands;

    /// <summary>True when any receiver has a positive demand.</summary>
    public bool HasDemands => _demands.Any(d => d > 0);

    /// <summary>Transmitter positions, or null when the scenario has no geometry.</summary>
    public Point2[]? TransmitterPositions { get; protected init; }

    /// <summary>Receiver positions at the current slot, or null when the scenario has no geometry.</summary>
    public Point2[]? ReceiverPositions { get; protected init; }

    /// <summary>True when the receivers moved (or were redrawn) at the current slot.</summary>
    public bool ReceiversMoved { get; protected set; }

    /// <summary>Gains of the current slot.</summary>
    public GainMatrix Gains { get; }

    /// <summary>Which receivers are active (have traffic) in the current slot.</summary>
    public bool[] Active { get; }

    /// <summary>
    /// Which transmitters are awake in the current slot (paper 004's asynchronous setting, <c>A(t)</c>): an
    /// asleep transmitter sends no aggregation messages, makes no new decision and keeps transmitting as in
    /// its last slot. Policies that model the wake pattern (<c>agg-gnn:</c>) honour it; the others decide for
    /// every transmitter every slot (<c>every:D(...)</c> makes them update less often). All true unless the
    /// scenario draws a wake pattern.
    /// </summary>
    public bool[] Awake { get; }

    /// <summary>Slots at the start of each configuration used to settle rate averages (full power, round-robin), not scored.</summary>
    public int WarmupSlots { get; protected init; }

    /// <summary>Index of the current slot; -1 before the first <see cref="Advance"/>.</summary>
    public int Slot { get; private set; } = -1;


    /// <summary>Moves the channel to the next slot.</summary>
    public void Advance()
    {
        Slot++;
        ReceiversMoved = false;
        AdvanceCore(Slot);
    }

    /// <summary>Fills <see cref="Gains"/>, <see cref="Active"/> and <see cref="Awake"/> for <paramref name="slot"/>.</summary>
    protected abstract void AdvanceCore(int slot);
}

/// <summary>Linear power constants of a configuration.</summary>
/// <param name="Noise">Noise power.</param>
/// <param name="MaxPower">Largest power one transmitter may use.</param>
/// <param name="PowerBudget">Total power budget over all transmitters (paper 004); equals transmitters x MaxPower where no budget applies.</param>
/// <param name="PowerUnit">Unit of the powers ("mW" or "" for normalized).</param>
public sealed record RadioConstants(double Noise, double MaxPower, double PowerBudget, string PowerUnit);
