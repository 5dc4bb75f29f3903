namespace Controller.Learning.Alcor;

/// <summary>
/// How <see cref="AlcorMetaLearning"/> meta-trains (eq. 11 of paper 001) and adapts the Fig. 1 network. The defaults are
/// the reduced setting the reproduction runs in about 15 s on one thread (the paper's step sizes and batch sizes are
/// in its Sec. IV; where these differ the Learning README says why).
/// </summary>
public sealed record AlcorMetaOptions
{
    /// <summary>N, the users.</summary>
    public int Users { get; init; } = 5;

    /// <summary>Demands of the meta-training tasks are uniform in [0, this]^N (the paper: 2.5).</summary>
    public double DemandMax { get; init; } = 2.5;

    /// <summary>L of reward (10).</summary>
    public double Penalty { get; init; } = AlcorDnnOptions.DefaultPenalty;

    /// <summary>SNR in dB of the gaussian-ic channels.</summary>
    public double SnrDb { get; init; } = 15;

    /// <summary>Meta-training steps (outer updates of theta and psi).</summary>
    public int MetaSteps { get; init; } = 1000;

    /// <summary>Demand vectors (tasks) per meta-step.</summary>
    public int Tasks { get; init; } = 4;

    /// <summary>Channel samples per task for the inner step and, separately, for the outer reward.</summary>
    public int Batch { get; init; } = 200;

    /// <summary>Adam step size of theta (the paper: 1e-4).</summary>
    public double ThetaLearningRate { get; init; } = 1e-3;

    /// <summary>Adam step size of psi (the paper: 5e-6).</summary>
    public double PsiLearningRate { get; init; } = 1e-3;

    /// <summary>psi before meta-training.</summary>
    public double InitialPsi { get; init; } = 0.05;

    /// <summary>Channel samples per adaptation update (the paper: 50 during inference).</summary>
    public int AdaptBatch { get; init; } = 50;

    /// <summary>Decay of the exponential average of the users' mean rates over adaptation batches (the paper: 0.7).</summary>
    public double Decay { get; init; } = 0.7;

    /// <summary>Seed of theta's initialization and the task draws.</summary>
    public long Seed { get; init; } = 1;

    /// <summary>Scenario seed of the meta-training channels (must differ from the evaluation seed).</summary>
    public ulong TrainSeed { get; init; } = 1_000_011;

    /// <summary>Throws <see cref="ArgumentException"/> with one precise sentence for the first bad option.</summary>
    public void Validate()
    {
        Require(Users is >= 2 and <= 16, $"users must be in [2, 16] (got {Users})");
        Require(DemandMax > 0 && DemandMax <= 100, $"demand max must be in (0, 100] (got {DemandMax})");
        Require(Penalty >= 0 && double.IsFinite(Penalty), $"penalty must be finite and >= 0 (got {Penalty})");
        Require(MetaSteps is >= 0 and <= 1_000_000, $"meta steps must be in [0, 1000000] (got {MetaSteps})");
        Require(Tasks is >= 1 and <= 1000, $"tasks must be in [1, 1000] (got {Tasks})");
        Require(Batch is >= 2 and <= 100_000, $"batch must be in [2, 100000] (got {Batch})");
        Require(AdaptBatch is >= 1 and <= 100_000, $"adapt batch must be in [1, 100000] (got {AdaptBatch})");
        Require(ThetaLearningRate > 0 && ThetaLearningRate <= 1, $"theta step size must be in (0, 1] (got {ThetaLearningRate})");
        Require(PsiLearningRate > 0 && PsiLearningRate <= 1, $"psi step size must be in (0, 1] (got {PsiLearningRate})");
        Require(InitialPsi > 0 && double.IsFinite(InitialPsi), $"initial psi must be > 0 (got {InitialPsi})");
        Require(Decay is >= 0 and < 1, $"decay must be in [0, 1) (got {Decay})");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message + ".");
        }
    }
}
