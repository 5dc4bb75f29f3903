namespace Controller.Optimization.Dbinum;

/// <summary>
/// The alpha-fair utility <c>U(x; a) = x^(1-a) / (1-a)</c> (<c>ln x</c> at a = 1) and the derivatives
/// DBiNUM's surrogate needs (paper 000 Sec. 2). The algorithm only uses derivatives, so a = 1 needs no
/// special case there; <see cref="Value"/> is for true utilities and reports.
/// </summary>
public static class AlphaFairUtility
{
    /// <summary><c>x^(1-a) / (1-a)</c>, or <c>ln x</c> when a = 1.</summary>
    public static double Value(double rate, double alpha)
        => alpha == 1 ? Math.Log(rate) : Math.Pow(rate, 1 - alpha) / (1 - alpha);

    /// <summary><c>U'(x; a) = x^-a</c>.</summary>
    public static double Derivative(double rate, double alpha) => Math.Pow(rate, -alpha);

    /// <summary><c>U''(x; a) = -a x^-(a+1)</c>.</summary>
    public static double SecondDerivative(double rate, double alpha) => -alpha * Math.Pow(rate, -alpha - 1);

    /// <summary><c>dU'/da = -ln(x) x^-a</c>, the mixed derivative of the hypergradient (paper 000 eq. 7).</summary>
    public static double DerivativeByAlpha(double rate, double alpha) => -Math.Log(rate) * Math.Pow(rate, -alpha);
}
