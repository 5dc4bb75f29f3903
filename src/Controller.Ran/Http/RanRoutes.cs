using Microsoft.AspNetCore.Routing;

namespace Controller.Ran.Http;

/// <summary>
/// The RAN protocol's routes, shared by <see cref="RanHttpServer"/> and <see cref="RanHttpClient"/>. Ids are
/// path segments; a user id contains '/', which travels escaped as %2F.
/// </summary>
internal static class RanRoutes
{
    public const string Topology = "/ran/topology";
    public const string Telemetry = "/ran/regions/{regionId}/telemetry";
    public const string Decisions = "/ran/regions/{regionId}/decisions";
    public const string Demand = "/ran/users/{userId}/demand";

    /// <summary>The same route with the user id's slash unescaped, as a person types it (curl .../ran/users/r000/u007/demand).</summary>
    public const string DemandUnescaped = "/ran/users/{userRegion}/{userName}/demand";
    public const string Faults = "/ran/regions/{regionId}/faults";
    public const string ControlLog = "/ran/control-log";

    public static string TelemetryOf(string regionId) => $"ran/regions/{Escape(regionId)}/telemetry";

    public static string DecisionsOf(string regionId) => $"ran/regions/{Escape(regionId)}/decisions";

    public static string DemandOf(string userId) => $"ran/users/{Escape(userId)}/demand";

    public static string FaultsOf(string regionId) => $"ran/regions/{Escape(regionId)}/faults";

    /// <summary>
    /// Reads an id route value. Kestrel decodes the path except %2F (so that an escaped slash cannot change
    /// how the path splits into segments); ids may contain '/', so it is decoded here, inside the segment.
    /// </summary>
    public static string IdFrom(object? routeValue) =>
        (routeValue as string ?? string.Empty).Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);

    /// <summary>The user id of a demand request, from either demand route.</summary>
    public static string UserIdFrom(RouteValueDictionary values) => values.TryGetValue("userId", out var id)
        ? IdFrom(id)
        : $"{values["userRegion"]}/{values["userName"]}";

    private static string Escape(string id) => Uri.EscapeDataString(id);
}
