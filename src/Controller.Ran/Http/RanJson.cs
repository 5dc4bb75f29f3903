using System.Text.Json;
using System.Text.Json.Serialization;
using Controller.Ran.Contract;

namespace Controller.Ran.Http;

/// <summary>Body of <c>PUT /ran/users/{id}/demand</c>.</summary>
/// <param name="Demand">New minimum rate (bps/Hz).</param>
internal sealed record DemandBody(double Demand);

/// <summary>Body of <c>POST /ran/regions/{id}/faults</c>.</summary>
/// <param name="Kind">Wire name of a <see cref="RanFaultKind"/>, e.g. "nan-gains".</param>
/// <param name="Pulls">How many pulls the fault affects.</param>
internal sealed record FaultBody(string Kind, int Pulls = 1);

/// <summary>The RFC 9457 fields the client reads from an error response.</summary>
internal sealed record ProblemBody(string? Title = null, string? Detail = null, int? Status = null);

/// <summary>
/// The RAN protocol's JSON: camelCase names; NaN and infinities travel as the strings "NaN", "Infinity" and
/// "-Infinity" so that a faulty sample reaches the controller's checks instead of failing serialization;
/// missing or null members are errors rather than silent defaults.
/// </summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(RanTopology))]
[JsonSerializable(typeof(RegionTelemetry))]
[JsonSerializable(typeof(RegionDecision))]
[JsonSerializable(typeof(DecisionReceipt))]
[JsonSerializable(typeof(DemandBody))]
[JsonSerializable(typeof(FaultBody))]
[JsonSerializable(typeof(ProblemBody))]
[JsonSerializable(typeof(ControlLogSnapshot))]
internal sealed partial class RanJsonContext : JsonSerializerContext;
