using Controller.Policies.Models;

namespace Controller.Learning.Alcor;

/// <summary>
/// Diagnostic changes to the distributed network's 41 measurements during training and validation (<c>--probe</c>),
/// used to find out which measurements the network can use on i.i.d. channels. A network trained with a probe other than
/// <see cref="None"/> is a measurement, not an allocator: <c>dnn:NAME</c> would run it on the unchanged 41 values.
/// </summary>
public enum AlcorDnnFeatureProbe
{
    /// <summary>The 41 measurements as <see cref="AlcorDnnLocalState"/> computes them.</summary>
    None,

    /// <summary>Only G_ii^t (index 2); the other 40 values are 0.</summary>
    Direct,

    /// <summary>Only G_ii^t and the interference plus noise under the last powers on the current channel (indices 2 and 4).</summary>
    DirectAndInterference,

    /// <summary>
    /// An oracle: the interfered-neighbour block (indices 26-35) from the current channel, the 5 receivers j with the
    /// largest G_ji^t, their G_ji^t / (sum_{l != i, j} G_jl^t p_l^{t-1} + sigma^2) and G_jj^t.
    /// </summary>
    CurrentOutgoing,

    /// <summary>An oracle: the channels of the last two slots replaced by the current one, as if the channel were static.</summary>
    StaticChannel,
}

/// <summary>Applies an <see cref="AlcorDnnFeatureProbe"/>.</summary>
public static class AlcorDnnFeatureProbes
{
    private const int Neighbours = 5;

    /// <summary>The probe's CLI name.</summary>
    public static string Text(AlcorDnnFeatureProbe probe) => probe switch
    {
        AlcorDnnFeatureProbe.Direct => "direct",
        AlcorDnnFeatureProbe.DirectAndInterference => "direct+interference",
        AlcorDnnFeatureProbe.CurrentOutgoing => "current-outgoing",
        AlcorDnnFeatureProbe.StaticChannel => "static-channel",
        _ => "none",
    };

    /// <summary>The probe of a CLI name, or null.</summary>
    public static AlcorDnnFeatureProbe? Parse(string? text) => Enum.GetValues<AlcorDnnFeatureProbe>().Select(p => (AlcorDnnFeatureProbe?)p).FirstOrDefault(p => Text(p!.Value) == text);

    /// <summary>Before the measurements of a slot: the static-channel probe makes the remembered channels the current one.</summary>
    public static void BeforeSlot(AlcorDnnFeatureProbe probe, AlcorDnnLocalState state, ReadOnlySpan<double> gains)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (probe == AlcorDnnFeatureProbe.StaticChannel)
        {
            state.AssumeStaticChannel(gains);
        }
    }

    /// <summary>After user <paramref name="user"/>'s 41 measurements <paramref name="features"/> were written: changes them as the probe says.</summary>
    public static void Apply(AlcorDnnFeatureProbe probe, AlcorDnnLocalState state, ReadOnlySpan<double> gains, double noise, int user, Span<double> features)
    {
        ArgumentNullException.ThrowIfNull(state);
        switch (probe)
        {
            case AlcorDnnFeatureProbe.Direct:
            case AlcorDnnFeatureProbe.DirectAndInterference:
                for (var k = 0; k < AlcorDnnLocalState.Width; k++)
                {
                    if (k != 2 && (k != 4 || probe == AlcorDnnFeatureProbe.Direct))
                    {
                        features[k] = 0;
                    }
                }

                break;
            case AlcorDnnFeatureProbe.CurrentOutgoing:
                CurrentOutgoing(state, gains, noise, user, features);
                break;
        }
    }

    private static void CurrentOutgoing(AlcorDnnLocalState state, ReadOnlySpan<double> gains, double noise, int i, Span<double> features)
    {
        var n = state.Users;
        var order = new List<int>(n);
        for (var j = 0; j < n; j++)
        {
            if (j != i)
            {
                order.Add(j);
            }
        }

        var g = gains.ToArray();
        order.Sort((a, b) => g[(b * n) + i].CompareTo(g[(a * n) + i]));
        for (var k = 0; k < Math.Min(Neighbours, order.Count); k++)
        {
            var j = order[k];
            var interference = noise;
            for (var l = 0; l < n; l++)
            {
                if (l != j && l != i)
                {
                    interference += g[(j * n) + l] * state.LastPower(l);
                }
            }

            features[26 + k] = g[(j * n) + i] / interference;
            features[31 + k] = g[(j * n) + j];
        }
    }
}
