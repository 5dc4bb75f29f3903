namespace Controller.Radio.Evaluation;

/// <summary>Order statistics and paper 001's violation measure.</summary>
public static class RateStatistics
{
    /// <summary>
    /// Percentile with linear interpolation between order statistics (numpy's default): the value at
    /// fractional rank <c>(n - 1) q / 100</c> of the sorted sample.
    /// </summary>
    public static double Percentile(ReadOnlySpan<double> values, double percent)
    {
        if (values.IsEmpty)
        {
            throw new ArgumentException("The percentile of an empty sample is undefined.", nameof(values));
        }

        if (!(percent >= 0 && percent <= 100))
        {
            throw new ArgumentOutOfRangeException(nameof(percent), percent, "The percent must lie in [0, 100].");
        }

        var sorted = values.ToArray();
        Array.Sort(sorted);
        var rank = (sorted.Length - 1) * percent / 100;
        var lower = (int)Math.Floor(rank);
        var upper = Math.Min(lower + 1, sorted.Length - 1);
        return sorted[lower] + ((rank - lower) * (sorted[upper] - sorted[lower]));
    }

    /// <summary>
    /// Paper 001's <c>viol = max_i max(0, u_i - R_i) / u_i * 100</c> over users with a positive demand
    /// (time-averaged rates R); null when nobody has a demand.
    /// </summary>
    public static double? ViolationPercent(ReadOnlySpan<double> demands, ReadOnlySpan<double> averageRates)
    {
        double? worst = null;
        for (var i = 0; i < demands.Length; i++)
        {
            if (demands[i] > 0)
            {
                var shortfall = Math.Max(0, demands[i] - averageRates[i]) / demands[i] * 100;
                worst = Math.Max(worst ?? 0, shortfall);
            }
        }

        return worst;
    }
}
