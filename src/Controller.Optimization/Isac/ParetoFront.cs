namespace Controller.Optimization.Isac;

/// <summary>Measures of a set of ISAC designs in the (worst-case WSR, CRLB) plane, shared by the tests and the reproductions.</summary>
public static class ParetoFront
{
    /// <summary>The solutions not dominated by another (worst-case WSR up, CRLB down), ordered by CRLB.</summary>
    public static IReadOnlyList<IsacSolution> NonDominated(IReadOnlyList<IsacSolution> solutions)
    {
        ArgumentNullException.ThrowIfNull(solutions);
        return [.. solutions.Where(s => !solutions.Any(o => o.Dominates(s))).OrderBy(s => s.Crlb)];
    }

    /// <summary>
    /// Area dominated by the front and bounded by the reference point (<paramref name="wsrFloor"/>, <paramref name="crlbCeiling"/>)
    /// in the plane (WSR, log10 CRLB): larger is better in both objectives at once.
    /// </summary>
    public static double Hypervolume(IReadOnlyList<IsacSolution> solutions, double wsrFloor, double crlbCeiling)
    {
        var front = NonDominated(solutions).Where(s => s.WorstCaseWsr > wsrFloor && s.Crlb < crlbCeiling).ToArray();
        var area = 0.0;
        var top = Math.Log10(crlbCeiling);
        // Sorted by CRLB ascending, the WSR rises along the front: each point adds the strip between its WSR and the previous one's.
        var previousWsr = wsrFloor;
        foreach (var point in front)
        {
            area += (point.WorstCaseWsr - previousWsr) * (top - Math.Log10(point.Crlb));
            previousWsr = Math.Max(previousWsr, point.WorstCaseWsr);
        }

        return area;
    }

    /// <summary>
    /// The front's worst-case WSR at <paramref name="crlb"/>, linear in log10 CRLB between neighbouring non-dominated points;
    /// null outside the front's CRLB range.
    /// </summary>
    public static double? WsrAt(IReadOnlyList<IsacSolution> solutions, double crlb)
    {
        var front = NonDominated(solutions);
        for (var i = 0; i + 1 < front.Count; i++)
        {
            var low = front[i];
            var high = front[i + 1];
            if (crlb >= low.Crlb && crlb <= high.Crlb)
            {
                var span = Math.Log10(high.Crlb) - Math.Log10(low.Crlb);
                var t = span > 0 ? (Math.Log10(crlb) - Math.Log10(low.Crlb)) / span : 0;
                return low.WorstCaseWsr + (t * (high.WorstCaseWsr - low.WorstCaseWsr));
            }
        }

        return front.Count == 1 && front[0].Crlb == crlb ? front[0].WorstCaseWsr : null;
    }
}
