using Controller.Radio.Isac;

namespace Controller.Optimization.Isac;

/// <summary>
/// Problem (11) in the solver's scaled coordinates z = (x, e): x = gamma / sqrt(P_max) (so the budgets are
/// ||x_l||^2 &lt;= P_l / P_max) and e_b = Delta_b / eps_b (each error block in the unit ball). The objectives are
/// f1 = -WSR / U (rate per user) and f2 = ln(CRLB / CRLB_iso), CRLB_iso being the CRLB of isotropic sensing at full
/// power. Both are increasing transforms of the paper's objectives, so Pareto optimality and criticality are the same;
/// the scaling only makes the common-descent direction treat both alike.
/// </summary>
internal sealed class IsacObjectives
{
    private readonly double[] _radii;
    private readonly double _beamScale;
    private readonly double _crlbReference;

    public IsacObjectives(IsacNetwork network, double relativeError, int lowerLevelSteps)
    {
        Network = network;
        _radii = IsacCommunication.ErrorRadii(network, relativeError);
        Robust = relativeError > 0;
        LowerLevelSteps = lowerLevelSteps;
        _beamScale = Math.Sqrt(network.PowerBudgets.Max());
        BeamLength = network.BeamLength;
        Length = BeamLength + (Robust ? network.ErrorLength : 0);
        var isotropic = network.InitialBeams(sensingShare: 1);
        _crlbReference = IsacSensing.Crlb(network, isotropic);
    }

    public IsacNetwork Network { get; }

    public bool Robust { get; }

    public int LowerLevelSteps { get; }

    /// <summary>Length of x.</summary>
    public int BeamLength { get; }

    /// <summary>Length of z = (x, e).</summary>
    public int Length { get; }

    public double[] ToScaled(ReadOnlySpan<double> beams)
    {
        var z = new double[Length];
        for (var i = 0; i < BeamLength; i++)
        {
            z[i] = beams[i] / _beamScale;
        }

        return z;
    }

    public double[] Beams(ReadOnlySpan<double> z)
    {
        var beams = new double[BeamLength];
        for (var i = 0; i < BeamLength; i++)
        {
            beams[i] = z[i] * _beamScale;
        }

        return beams;
    }

    public double[] Errors(ReadOnlySpan<double> z)
    {
        if (!Robust)
        {
            return [];
        }

        var errors = new double[Network.ErrorLength];
        var block = 2 * Network.Antennas;
        for (var i = 0; i < errors.Length; i++)
        {
            errors[i] = z[BeamLength + i] * _radii[i / block];
        }

        return errors;
    }

    /// <summary>f1 and f2 at z.</summary>
    public (double F1, double F2) Values(ReadOnlySpan<double> z)
    {
        var beams = Beams(z);
        var wsr = IsacCommunication.WeightedSumRate(Network, beams, Errors(z));
        return (-wsr / Math.Max(1, Network.Users), Math.Log(IsacSensing.Crlb(Network, beams) / _crlbReference));
    }

    /// <summary>f1, f2 and their gradients in z.</summary>
    public (double F1, double F2) Gradients(ReadOnlySpan<double> z, double[] gradient1, double[] gradient2)
    {
        var beams = Beams(z);
        var errors = Errors(z);
        var beamGradient = new double[BeamLength];
        var errorGradient = new double[errors.Length];
        var wsr = IsacCommunication.WeightedSumRateGradient(Network, beams, errors, beamGradient, errorGradient);
        var users = Math.Max(1, Network.Users);
        Array.Clear(gradient1);
        Array.Clear(gradient2);
        for (var i = 0; i < BeamLength; i++)
        {
            gradient1[i] = -beamGradient[i] * _beamScale / users;
        }

        var block = 2 * Network.Antennas;
        for (var i = 0; i < errors.Length; i++)
        {
            gradient1[BeamLength + i] = -errorGradient[i] * _radii[i / block] / users;
        }

        var crlb = IsacSensing.CrlbGradient(Network, beams, beamGradient);
        for (var i = 0; i < BeamLength; i++)
        {
            gradient2[i] = beamGradient[i] * _beamScale / crlb;
        }

        return (-wsr / users, Math.Log(crlb / _crlbReference));
    }

    /// <summary>||x_l||^2 against its budget P_l / P_max.</summary>
    public double PowerExcess(ReadOnlySpan<double> z, int baseStation)
    {
        var (start, length) = Network.BeamBlock(baseStation);
        var sum = 0.0;
        foreach (var x in z.Slice(start, length))
        {
            sum += x * x;
        }

        return sum - (Network.PowerBudgets[baseStation] / (_beamScale * _beamScale));
    }

    /// <summary>Projects z onto the feasible set: each x_l into its power ball, each e_b into the unit ball.</summary>
    public void Project(Span<double> z)
    {
        for (var l = 0; l < Network.BaseStations; l++)
        {
            var (start, length) = Network.BeamBlock(l);
            ScaleInto(z.Slice(start, length), Math.Sqrt(Network.PowerBudgets[l]) / _beamScale);
        }

        if (Robust)
        {
            var block = 2 * Network.Antennas;
            for (var b = BeamLength; b < Length; b += block)
            {
                ScaleInto(z.Slice(b, block), 1);
            }
        }
    }

    /// <summary>phi(x) of eq. (16) in scaled error coordinates: K_GD steps of the lower level from Delta = 0.</summary>
    public double[] LowerLevel(ReadOnlySpan<double> x)
    {
        var errors = new double[Network.ErrorLength];
        IsacCommunication.WorstCaseErrors(Network, Beams(x), _radii, LowerLevelSteps, keepLowest: false, errors);
        var block = 2 * Network.Antennas;
        for (var i = 0; i < errors.Length; i++)
        {
            errors[i] = _radii[i / block] > 0 ? errors[i] / _radii[i / block] : 0;
        }

        return errors;
    }

    /// <summary>The worst-case WSR of a design within the error balls (a thorough lower-level solve), with its errors.</summary>
    public (double Wsr, double[] Errors) WorstCase(ReadOnlySpan<double> beams, int iterations)
    {
        var errors = new double[Network.ErrorLength];
        var wsr = IsacCommunication.WorstCaseErrors(Network, beams, _radii, Robust ? iterations : 0, keepLowest: true, errors);
        return (wsr, errors);
    }

    private static void ScaleInto(Span<double> block, double radius)
    {
        var sum = 0.0;
        foreach (var x in block)
        {
            sum += x * x;
        }

        if (sum > radius * radius)
        {
            var factor = radius / Math.Sqrt(sum);
            foreach (ref var x in block)
            {
                x *= factor;
            }
        }
    }
}
