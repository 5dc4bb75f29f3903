namespace Controller.Optimization.Alcor;

/// <summary>Which dual update ALCOR runs (paper 001 Sec. III-D).</summary>
public enum AlcorVariant
{
    /// <summary>Algorithm 1: extragradient-like steps over two batches per iteration (converges, Theorem III.4).</summary>
    Extragradient,

    /// <summary><c>lambda = max(0, lambda + alpha Fhat)</c> after each batch: simpler, no convergence guarantee.</summary>
    Simple,
}

/// <summary>
/// Step sizes and batch size of ALCOR. Ranges are checked when a value is set, so a bad setting fails
/// when the policy is built rather than slots later.
/// </summary>
public sealed record AlcorSettings
{
    /// <summary>Paper 001 Sec. IV: alpha_k = 0.9 throughout.</summary>
    public const double DefaultAlpha = 0.9;

    /// <summary>Paper 001 Sec. IV: B = 25.</summary>
    public const int DefaultBatchSlots = 25;

    /// <summary>
    /// gamma, which the paper picks "from 1 to 10 depending on the experiment". Measured on gaussian-ic,
    /// N = 5, 15 dB, WMMSE as URA, Table IV's demands (20 configurations x 4000 slots, first 1000 unscored):
    /// sum rate u1 / u2 / u3 and viol u2 / u3 are 5.79 / 5.28 / 4.84 and 3.5 / 3.0 % at gamma = 1,
    /// 5.64 / 5.20 / 4.83 and 2.3 / 1.8 % at 2, 5.29 / 5.04 / 4.79 and 1.3 / 0.5 % at 5, 5.02 / 4.96 / 4.72
    /// and 0.7 / 0.3 % at 10. Larger gamma settles faster but a batch's noise (B = 25) then moves lambda
    /// further, switching users off even when demands are slack (u1: WMMSE alone gives 5.96). 5 is the
    /// smallest of these that brings both constrained sets near or under 1 % within 20 iterations.
    /// </summary>
    public const double DefaultGamma = 5;

    private readonly double _alpha = DefaultAlpha;
    private readonly double _gamma = DefaultGamma;
    private readonly int _batchSlots = DefaultBatchSlots;

    /// <summary>The paper's settings with <see cref="DefaultGamma"/> and the extragradient form.</summary>
    public static AlcorSettings Default { get; } = new();

    /// <summary>alpha_k in (0, 1), held constant.</summary>
    public double Alpha
    {
        get => _alpha;
        init => _alpha = value is > 0 and < 1 ? value : throw new ArgumentOutOfRangeException(nameof(Alpha), value, "ALCOR's alpha must lie in (0, 1).");
    }

    /// <summary>gamma &gt; 0, the extragradient step on the demand shortfall (unused by <see cref="AlcorVariant.Simple"/>).</summary>
    public double Gamma
    {
        get => _gamma;
        init => _gamma = value > 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(Gamma), value, "ALCOR's gamma must be positive and finite.");
    }

    /// <summary>Slots per batch B; an extragradient iteration takes two batches.</summary>
    public int BatchSlots
    {
        get => _batchSlots;
        init => _batchSlots = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(BatchSlots), value, "ALCOR's batch must hold at least one slot.");
    }

    /// <summary>Update rule.</summary>
    public AlcorVariant Variant { get; init; } = AlcorVariant.Extragradient;
}
