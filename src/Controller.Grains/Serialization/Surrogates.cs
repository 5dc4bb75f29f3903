using Controller.Optimization.Alcor;
using Controller.Optimization.Dbinum;
using Controller.Optimization.Resilient;

namespace Controller.Grains.Serialization;

// Orleans serializes grain messages with generated code; the papers' types live in Controller.Optimization, which
// stays free of Orleans (it is also used by eval and training). These surrogates carry them across grain calls:
// each is a plain [GenerateSerializer] struct with its own [Alias], so renaming either side keeps the wire format.

/// <summary>Wire form of <see cref="AlcorUserState"/>.</summary>
[GenerateSerializer]
[Alias("alcor-user-state")]
internal struct AlcorUserStateSurrogate
{
    [Id(0)] public double Demand;
    [Id(1)] public double Lambda;
    [Id(2)] public double LambdaBar;
    [Id(3)] public double PreviousLambdaBar;
    [Id(4)] public double Intermediate;
    [Id(5)] public double Kappa;
    [Id(6)] public double BatchShortfallSum;
    [Id(7)] public int BatchSlots;
    [Id(8)] public bool AwaitingSecondBatch;
    [Id(9)] public int Iteration;
}

/// <summary>Converts <see cref="AlcorUserState"/> to and from its surrogate.</summary>
[RegisterConverter]
internal sealed class AlcorUserStateConverter : IConverter<AlcorUserState, AlcorUserStateSurrogate>
{
    public AlcorUserState ConvertFromSurrogate(in AlcorUserStateSurrogate s) => new()
    {
        Demand = s.Demand,
        Lambda = s.Lambda,
        LambdaBar = s.LambdaBar,
        PreviousLambdaBar = s.PreviousLambdaBar,
        Intermediate = s.Intermediate,
        Kappa = s.Kappa,
        BatchShortfallSum = s.BatchShortfallSum,
        BatchSlots = s.BatchSlots,
        AwaitingSecondBatch = s.AwaitingSecondBatch,
        Iteration = s.Iteration,
    };

    public AlcorUserStateSurrogate ConvertToSurrogate(in AlcorUserState v) => new()
    {
        Demand = v.Demand,
        Lambda = v.Lambda,
        LambdaBar = v.LambdaBar,
        PreviousLambdaBar = v.PreviousLambdaBar,
        Intermediate = v.Intermediate,
        Kappa = v.Kappa,
        BatchShortfallSum = v.BatchShortfallSum,
        BatchSlots = v.BatchSlots,
        AwaitingSecondBatch = v.AwaitingSecondBatch,
        Iteration = v.Iteration,
    };
}

/// <summary>Wire form of <see cref="ResilientDualState"/>.</summary>
[GenerateSerializer]
[Alias("resilient-dual-state")]
internal struct ResilientDualStateSurrogate
{
    [Id(0)] public double Lambda;
    [Id(1)] public double Mu;
    [Id(2)] public double Slack;
    [Id(3)] public double Rate;
    [Id(4)] public int Updates;
}

/// <summary>Converts <see cref="ResilientDualState"/> to and from its surrogate.</summary>
[RegisterConverter]
internal sealed class ResilientDualStateConverter : IConverter<ResilientDualState, ResilientDualStateSurrogate>
{
    public ResilientDualState ConvertFromSurrogate(in ResilientDualStateSurrogate s) => new(s.Lambda, s.Mu, s.Slack, s.Rate, s.Updates);

    public ResilientDualStateSurrogate ConvertToSurrogate(in ResilientDualState v) => new() { Lambda = v.Lambda, Mu = v.Mu, Slack = v.Slack, Rate = v.Rate, Updates = v.Updates };
}

/// <summary>Wire form of <see cref="DbinumOptions"/>.</summary>
[GenerateSerializer]
[Alias("dbinum-options")]
internal struct DbinumOptionsSurrogate
{
    [Id(0)] public double PrimalStepScale;
    [Id(1)] public int PrimalStepsPerRound;
    [Id(2)] public double AuxiliaryStep;
    [Id(3)] public double AlphaStep;
    [Id(4)] public double Regularization;
    [Id(5)] public double AlphaMin;
    [Id(6)] public double AlphaMax;
}

/// <summary>Converts <see cref="DbinumOptions"/> to and from its surrogate.</summary>
[RegisterConverter]
internal sealed class DbinumOptionsConverter : IConverter<DbinumOptions, DbinumOptionsSurrogate>
{
    public DbinumOptions ConvertFromSurrogate(in DbinumOptionsSurrogate s) => new()
    {
        PrimalStepScale = s.PrimalStepScale,
        PrimalStepsPerRound = s.PrimalStepsPerRound,
        AuxiliaryStep = s.AuxiliaryStep,
        AlphaStep = s.AlphaStep,
        Regularization = s.Regularization,
        AlphaMin = s.AlphaMin,
        AlphaMax = s.AlphaMax,
    };

    public DbinumOptionsSurrogate ConvertToSurrogate(in DbinumOptions v) => new()
    {
        PrimalStepScale = v.PrimalStepScale,
        PrimalStepsPerRound = v.PrimalStepsPerRound,
        AuxiliaryStep = v.AuxiliaryStep,
        AlphaStep = v.AlphaStep,
        Regularization = v.Regularization,
        AlphaMin = v.AlphaMin,
        AlphaMax = v.AlphaMax,
    };
}

/// <summary>Wire form of <see cref="DbinumLinkSignal"/>.</summary>
[GenerateSerializer]
[Alias("dbinum-link-signal")]
internal struct DbinumLinkSignalSurrogate
{
    [Id(0)] public double Price;
    [Id(1)] public double Curvature;
    [Id(2)] public double CurvatureTimesAuxiliary;
    [Id(3)] public double HeadroomShare;
}

/// <summary>Converts <see cref="DbinumLinkSignal"/> to and from its surrogate.</summary>
[RegisterConverter]
internal sealed class DbinumLinkSignalConverter : IConverter<DbinumLinkSignal, DbinumLinkSignalSurrogate>
{
    public DbinumLinkSignal ConvertFromSurrogate(in DbinumLinkSignalSurrogate s) => new(s.Price, s.Curvature, s.CurvatureTimesAuxiliary, s.HeadroomShare);

    public DbinumLinkSignalSurrogate ConvertToSurrogate(in DbinumLinkSignal v) => new() { Price = v.Price, Curvature = v.Curvature, CurvatureTimesAuxiliary = v.CurvatureTimesAuxiliary, HeadroomShare = v.HeadroomShare };
}
