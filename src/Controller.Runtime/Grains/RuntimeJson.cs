using System.Text.Json;
using System.Text.Json.Serialization;

namespace Controller.Runtime.Grains;

/// <summary>The one JSON setup of the runtime, shared by persisted state and the call wire form.</summary>
internal static class RuntimeJson
{
    /// <summary>
    /// General defaults, plus NaN and infinities as named literals: optimization state (a diverging dual,
    /// say) can hold them, and storing or sending them must not fail.
    /// </summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.General)
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
