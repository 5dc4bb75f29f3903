using System.Globalization;
using System.Text.Json;
using Controller.Grains;
using Controller.Radio;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Controller.Host.Api;

/// <summary>
/// The silo's minimal HTTP API (the full API comes later), mapped on the host's <see cref="WebApplication"/> beside
/// the silo: health, region status and policy switches, user state and operator demands (set with PUT, cleared
/// with DELETE), cell views. Ids contain '/', which travels escaped (%2F) or as two path segments
/// (<c>/api/users/r000/u007/demand</c>). Bodies are strict JSON (<c>application/json</c>, every field present and
/// spelt right, numbers as numbers). Errors are RFC 9457 problem details: 400 malformed or out-of-range input,
/// 404 unknown id, 413 body above 4 KiB.
/// </summary>
internal static class ControlApi
{
    /// <summary>Largest request body (a demand or a policy name).</summary>
    public const long MaxRequestBodyBytes = 4096;

    /// <summary>Maps the routes on <paramref name="app"/> (whose services hold the silo's grain factory and topology).</summary>
    public static void Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        new Endpoints(app.Services.GetRequiredService<ControlTopology>(), app.Services.GetRequiredService<IGrainFactory>()).Map(app);
    }

    /// <summary>A request the API refuses; <see cref="Status"/> is the HTTP status.</summary>
    private sealed class ApiException(int status, string message) : Exception(message)
    {
        public int Status { get; } = status;
    }

    private sealed class Endpoints(ControlTopology plane, IGrainFactory grains)
    {
        private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
        {
            // Strict bodies: a misspelt field or a number sent as a string is the client's mistake, said plainly.
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            NumberHandling = JsonNumberHandling.Strict,
        };

        public void Map(WebApplication app)
        {
            app.MapGet("/healthz", () => Results.Text("ok"));
            app.MapGet("/api/regions", Guard(ListRegionsAsync));
            app.MapGet("/api/regions/{regionId}", Guard(GetRegionAsync));
            app.MapPut("/api/regions/{regionId}/policy", Guard(PutPolicyAsync));
            app.MapGet("/api/users/{userId}", Guard(GetUserAsync));
            app.MapGet("/api/users/{userRegion}/{userName}", Guard(GetUserAsync));
            app.MapPut("/api/users/{userId}/demand", Guard(PutDemandAsync));
            app.MapPut("/api/users/{userRegion}/{userName}/demand", Guard(PutDemandAsync));
            app.MapDelete("/api/users/{userId}/demand", Guard(DeleteDemandAsync));
            app.MapDelete("/api/users/{userRegion}/{userName}/demand", Guard(DeleteDemandAsync));
            app.MapGet("/api/cells/{cellId}", Guard(GetCellAsync));
            app.MapGet("/api/cells/{cellRegion}/{cellName}", Guard(GetCellAsync));
        }

        private async Task ListRegionsAsync(HttpContext context)
        {
            var statuses = await Task.WhenAll(plane.Regions.Select(r => grains.GetGrain<IRegionGrain>(r.RegionId).GetStatusAsync(context.RequestAborted))).ConfigureAwait(false);
            await context.Response.WriteAsJsonAsync(statuses, Json, context.RequestAborted).ConfigureAwait(false);
        }

        private async Task GetRegionAsync(HttpContext context)
        {
            var region = Region(context);
            var status = await grains.GetGrain<IRegionGrain>(region).GetStatusAsync(context.RequestAborted).ConfigureAwait(false);
            await context.Response.WriteAsJsonAsync(status, Json, context.RequestAborted).ConfigureAwait(false);
        }

        private async Task PutPolicyAsync(HttpContext context)
        {
            var region = Region(context);
            var body = await ReadAsync<PolicyBody>(context, "a policy {\"policy\": name}").ConfigureAwait(false);
            if (string.IsNullOrWhiteSpace(body.Policy))
            {
                throw new ApiException(StatusCodes.Status400BadRequest, "The body must name a policy: {\"policy\": \"wmmse\"}.");
            }

            try
            {
                await grains.GetGrain<IRegionGrain>(region).SetPolicyAsync(body.Policy, context.RequestAborted).ConfigureAwait(false);
            }
            catch (RadioInputException exception)
            {
                throw new ApiException(StatusCodes.Status400BadRequest, exception.Message);
            }

            context.Response.StatusCode = StatusCodes.Status204NoContent;
        }

        private async Task GetUserAsync(HttpContext context)
        {
            var (_, _, userId) = User(context);
            var state = await grains.GetGrain<IUserGrain>(userId).GetStateAsync(context.RequestAborted).ConfigureAwait(false);
            await context.Response.WriteAsJsonAsync(state, Json, context.RequestAborted).ConfigureAwait(false);
        }

        private async Task PutDemandAsync(HttpContext context)
        {
            var (region, index, userId) = User(context);
            var body = await ReadAsync<DemandBody>(context, "a demand {\"demand\": number} (DELETE clears the operator's demand)").ConfigureAwait(false);
            var value = body.Demand;
            if (!double.IsFinite(value) || value < 0 || value > ControlPlaneOptions.MaxDemand)
            {
                throw new ApiException(StatusCodes.Status400BadRequest, string.Create(CultureInfo.InvariantCulture, $"The demand of user '{userId}' must be a finite number in [0, {ControlPlaneOptions.MaxDemand}] bps/Hz (got {value:R})."));
            }

            await grains.GetGrain<IRegionGrain>(region).SetDemandAsync(index, value, context.RequestAborted).ConfigureAwait(false);
            context.Response.StatusCode = StatusCodes.Status204NoContent;
        }

        private async Task DeleteDemandAsync(HttpContext context)
        {
            var (region, index, _) = User(context);
            await grains.GetGrain<IRegionGrain>(region).ClearDemandAsync(index, context.RequestAborted).ConfigureAwait(false);
            context.Response.StatusCode = StatusCodes.Status204NoContent;
        }

        private async Task GetCellAsync(HttpContext context)
        {
            var values = context.Request.RouteValues;
            var cellId = values.TryGetValue("cellId", out var id) ? Unescape(id) : $"{values["cellRegion"]}/{values["cellName"]}";
            if (!plane.TryFindCell(cellId, out _, out _))
            {
                throw new ApiException(StatusCodes.Status404NotFound, $"Unknown cell '{cellId}'; cell ids look like 'r000/c00'.");
            }

            var view = await grains.GetGrain<ICellGrain>(cellId).GetViewAsync(context.RequestAborted).ConfigureAwait(false);
            await context.Response.WriteAsJsonAsync(view, Json, context.RequestAborted).ConfigureAwait(false);
        }

        private string Region(HttpContext context)
        {
            var regionId = Unescape(context.Request.RouteValues["regionId"]);
            return plane.TryFindRegion(regionId, out _, out _)
                ? regionId
                : throw new ApiException(StatusCodes.Status404NotFound, $"Unknown region '{regionId}'; this controller has regions {plane.Regions[0].RegionId} to {plane.Regions[^1].RegionId}.");
        }

        private (string Region, int Index, string UserId) User(HttpContext context)
        {
            var values = context.Request.RouteValues;
            var userId = values.TryGetValue("userId", out var id) ? Unescape(id) : $"{values["userRegion"]}/{values["userName"]}";
            return plane.TryFindUser(userId, out var region, out var index)
                ? (region.RegionId, index, userId)
                : throw new ApiException(StatusCodes.Status404NotFound, $"Unknown user '{userId}'; user ids look like 'r000/u007'.");
        }

        private static string Unescape(object? value) => (value as string ?? string.Empty).Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);

        private static async Task<T> ReadAsync<T>(HttpContext context, string what)
        {
            if (!context.Request.HasJsonContentType())
            {
                throw new ApiException(StatusCodes.Status400BadRequest, $"The body must be JSON (Content-Type: application/json), got '{context.Request.ContentType ?? "no content type"}'; it must be {what}.");
            }

            if (context.Request.ContentLength == 0)
            {
                throw new ApiException(StatusCodes.Status400BadRequest, $"The body is empty; it must be {what}.");
            }

            try
            {
                return await JsonSerializer.DeserializeAsync<T>(context.Request.Body, Json, context.RequestAborted).ConfigureAwait(false)
                    ?? throw new ApiException(StatusCodes.Status400BadRequest, $"The body must be {what}, not null.");
            }
            catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                throw new ApiException(StatusCodes.Status413PayloadTooLarge, $"The request body is larger than the API's limit of {MaxRequestBodyBytes} bytes.");
            }
            catch (BadHttpRequestException exception)
            {
                throw new ApiException(StatusCodes.Status400BadRequest, exception.Message);
            }
            catch (JsonException exception)
            {
                var reason = exception.Message.Replace("Controller.Host.Api.", string.Empty, StringComparison.Ordinal).Replace("System.", string.Empty, StringComparison.Ordinal);
                throw new ApiException(StatusCodes.Status400BadRequest, $"The body is not {what}: {reason}");
            }
        }

        private static RequestDelegate Guard(Func<HttpContext, Task> handler) => async context =>
        {
            int status;
            string detail;
            try
            {
                await handler(context).ConfigureAwait(false);
                return;
            }
            catch (ApiException exception) when (!context.Response.HasStarted)
            {
                (status, detail) = (exception.Status, exception.Message);
            }
            catch (ArgumentException exception) when (!context.Response.HasStarted)
            {
                (status, detail) = (StatusCodes.Status400BadRequest, exception.Message);
            }

            var title = status switch
            {
                StatusCodes.Status404NotFound => "Unknown id",
                StatusCodes.Status413PayloadTooLarge => "Request body too large",
                _ => "Invalid request",
            };
            await Results.Problem(detail, statusCode: status, title: title).ExecuteAsync(context).ConfigureAwait(false);
        };
    }

    private sealed record DemandBody
    {
        [JsonRequired]
        public double Demand { get; init; }
    }

    private sealed record PolicyBody
    {
        [JsonRequired]
        public string? Policy { get; init; }
    }
}
