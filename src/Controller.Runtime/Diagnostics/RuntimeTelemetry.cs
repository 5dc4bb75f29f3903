using System.Diagnostics;

namespace Controller.Runtime.Diagnostics;

/// <summary>Names of the runtime's traces and metrics.</summary>
public static class RuntimeTelemetry
{
    /// <summary>ActivitySource and Meter name.</summary>
    public const string Name = "Controller.Runtime";

    /// <summary>Span tag holding "type/key" of the grain a call ran on.</summary>
    public const string GrainIdTag = "grain.id";

    /// <summary>Span tag holding the ordinal of the silo a remote call went to.</summary>
    public const string SiloTag = "silo";

    /// <summary>Metric tag holding the grain type.</summary>
    public const string GrainTypeTag = "grain.type";

    /// <summary>Source of the spans of grain calls; a call made inside a traced loop becomes its child.</summary>
    public static ActivitySource Source { get; } = new(Name);
}
