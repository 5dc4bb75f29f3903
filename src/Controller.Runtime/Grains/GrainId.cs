namespace Controller.Runtime.Grains;

/// <summary>
/// The identity of a grain: its type name (stable, chosen by the grain interface, not the CLR name of
/// the implementation) and a string key. Identities are values: equal ids name the same grain on every silo.
/// </summary>
/// <param name="Type">Grain type name, for example "cell".</param>
/// <param name="Key">Key within the type, for example "region-3/cell-17".</param>
public readonly record struct GrainId(string Type, string Key)
{
    /// <summary>"type/key", the form used in logs, storage names and traces.</summary>
    public override string ToString() => $"{Type}/{Key}";
}
