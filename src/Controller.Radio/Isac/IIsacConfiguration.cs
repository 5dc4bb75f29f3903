namespace Controller.Radio.Isac;

/// <summary>
/// A configuration that also carries the full ISAC model of its current slot: the scenario's own configuration in
/// <c>controller eval</c>, or a region's telemetry in the control plane. ISAC policies decide on <see cref="Isac"/>;
/// power-only policies keep using the gain matrix (which holds ||h~_{l,u}||^2).
/// </summary>
public interface IIsacConfiguration
{
    /// <summary>The ISAC model of the current slot (channel estimates, targets at their current positions), or null when the configuration has none.</summary>
    IsacNetwork? Isac { get; }

    /// <summary>eps: the bound of the CSI error relative to each estimate's norm (||Delta_{l,u}|| &lt;= eps ||h~_{l,u}||).</summary>
    double RelativeError { get; }
}
