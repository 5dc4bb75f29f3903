namespace Controller.Radio.Channels;

/// <summary>A position in metres (or the scenario's length unit) on the plane.</summary>
public readonly record struct Point2(double X, double Y)
{
    /// <summary>Euclidean distance to <paramref name="other"/>.</summary>
    public double DistanceTo(Point2 other)
    {
        var dx = X - other.X;
        var dy = Y - other.Y;
        return Math.Sqrt((dx * dx) + (dy * dy));
    }
}
