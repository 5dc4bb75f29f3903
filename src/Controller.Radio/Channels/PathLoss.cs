namespace Controller.Radio.Channels;

/// <summary>Path-loss laws of the papers and unit conversions. All losses are positive dB.</summary>
public static class PathLoss
{
    /// <summary>Paper 001 Sec. IV-B: <c>120.9 + 37.6 log10(d_km)</c> dB (3GPP macro-cell law).</summary>
    public static double CellularDb(double distanceMeters, double interceptDb = 120.9, double slopeDb = 37.6)
        => interceptDb + (slopeDb * Math.Log10(distanceMeters / 1000.0));

    /// <summary>
    /// Paper 003 eq. (30), dual slope: <c>K0 + 10 a1 log10 d</c> up to the breakpoint, then
    /// <c>K0 + 10 a2 log10 d - 10 (a2 - a1) log10 d_bp</c> so that the two pieces meet at the breakpoint.
    /// With K0 = 39, a1 = 2, a2 = 4, d_bp = 100 m the second piece is 39 + 40 log10 d - 40.
    /// </summary>
    public static double DualSlopeDb(double distanceMeters, double k0Db = 39, double breakpointMeters = 100, double nearExponent = 2, double farExponent = 4)
    {
        var d = distanceMeters;
        return d <= breakpointMeters
            ? k0Db + (10 * nearExponent * Math.Log10(d))
            : k0Db + (10 * farExponent * Math.Log10(d)) - (10 * (farExponent - nearExponent) * Math.Log10(breakpointMeters));
    }

    /// <summary>Paper 004 Sec. VI: amplitude <c>|h^l| = d^-exponent</c> (power gain is its square), d clipped below at <paramref name="minDistance"/>.</summary>
    public static double PowerLawAmplitude(double distance, double exponent = 2.2, double minDistance = 1)
        => Math.Pow(Math.Max(distance, minDistance), -exponent);

    /// <summary>dB to linear power ratio.</summary>
    public static double DbToLinear(double db) => Math.Pow(10, db / 10);

    /// <summary>Linear power ratio to dB.</summary>
    public static double LinearToDb(double linear) => 10 * Math.Log10(linear);
}
