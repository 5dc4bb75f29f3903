using Controller.Host.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Net.Http.Headers;
using Orleans.Dashboard;

namespace Controller.Host.Dashboard;

/// <summary>
/// The operator's web dashboard: a page at <c>/</c> whose script and styles (built from <c>Dashboard/web</c> by
/// esbuild at build time and embedded in this assembly: no CDN, works offline) read the API and follow
/// <c>GET /api/dashboard/events</c>, a server-sent event stream; and Orleans' own dashboard at <c>/orleans</c>.
/// The page holds no secret: mutations carry the key the operator pastes into it (kept in the tab's sessionStorage).
/// </summary>
internal static class DashboardSurface
{
    /// <summary>Where Orleans' dashboard is mounted.</summary>
    public const string OrleansRoute = "/orleans";

    /// <summary>Route prefix of the built assets.</summary>
    public const string AssetsRoute = "/dashboard";

    private static readonly (string Name, string ContentType)[] Assets =
    [
        ("index.html", "text/html; charset=utf-8"),
        ("app.js", "text/javascript; charset=utf-8"),
        ("app.css", "text/css; charset=utf-8"),
    ];

    /// <summary>Registers the stream's services (control silos only: they hold the regions).</summary>
    public static void AddServices(IServiceCollection services, DashboardStreamOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton<DashboardFeed>();
    }

    /// <summary>Maps the page, its assets, its event stream (control silos) and Orleans' dashboard on <paramref name="app"/>.</summary>
    public static void Map(WebApplication app, ApiAccess access, bool control)
    {
        ArgumentNullException.ThrowIfNull(app);
        var orleans = app.MapOrleansDashboard(routePrefix: OrleansRoute);
        if (access.ReadsNeedKey)
        {
            orleans.RequireAuthorization(ApiKeyAuthentication.OperatorPolicy);
        }

        if (!control)
        {
            // A silo without regions has nothing for the page to show: its root is the API reference, as before.
            app.MapGet("/", () => Results.Redirect(OperatorSurfaces.ReferenceRoute + "/")).ExcludeFromDescription();
            return;
        }

        var assets = LoadAssets();
        var page = assets["index.html"];
        app.MapGet("/", () => new AssetResult(page)).ExcludeFromDescription();
        app.MapGet(AssetsRoute + "/{name}", (string name) => assets.TryGetValue(name, out var asset) ? new AssetResult(asset) : (IResult)TypedResults.NotFound()).ExcludeFromDescription();

        var feed = app.Services.GetRequiredService<DashboardFeed>();
        var stopping = app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        var events = app.MapGet("/api/dashboard/events", (string? region, string? user, HttpContext context) =>
            {
                var (regionId, userId) = feed.Validate(region, user);
                // A page left open must not hold the host's shutdown: the stream ends when the client leaves or the host stops.
                var ends = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
                context.Response.RegisterForDispose(ends);
                context.Response.Headers.CacheControl = "no-cache";
                return TypedResults.ServerSentEvents(feed.StreamAsync(regionId, userId, ends.Token), eventType: "tick");
            })
            .WithName("DashboardEvents").WithTags("dashboard")
            .WithSummary("The dashboard's live feed: a server-sent event 'tick' per second with the overview, every region's row and the region (?region=) or user (?user=) a page shows.")
            .Produces<DashboardTick>(StatusCodes.Status200OK, "text/event-stream")
            .ProducesProblem(StatusCodes.Status404NotFound);
        if (access.ReadsNeedKey)
        {
            events.RequireAuthorization(ApiKeyAuthentication.OperatorPolicy);
        }
    }

        private static Dictionary<string, Asset> LoadAssets()
    {
        var assembly = typeof(DashboardSurface).Assembly;
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var (name, contentType) in Assets)
        {
            using var stream = assembly.GetManifestResourceStream("dashboard/" + name)
                ?? throw new InvalidOperationException($"The dashboard's '{name}' is not embedded in {assembly.GetName().Name}: build Controller.Host with Node.js and npm on PATH (Dashboard/web).");
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var bytes = copy.ToArray();
            assets[name] = new Asset(bytes, contentType, new EntityTagHeaderValue("\"" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes))[..16] + "\""));
        }

        return assets;
    }

    private sealed record Asset(byte[] Bytes, string ContentType, EntityTagHeaderValue Tag);

    /// <summary>An embedded asset, revalidated on every load (no-cache + ETag): a new build is seen at once, an unchanged one costs a 304.</summary>
    private sealed class AssetResult(Asset asset) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.Headers.CacheControl = "no-cache";
            response.Headers.ETag = asset.Tag.ToString();
            response.Headers.XContentTypeOptions = "nosniff";
            var ifNoneMatch = httpContext.Request.GetTypedHeaders().IfNoneMatch;
            if (ifNoneMatch.Any(tag => tag.Compare(asset.Tag, useStrongComparison: false)))
            {
                response.StatusCode = StatusCodes.Status304NotModified;
                return Task.CompletedTask;
            }

            if (asset.ContentType.StartsWith("text/html", StringComparison.Ordinal))
            {
                // Everything the page loads comes from this silo: a page that reached for a CDN would fail here, not silently offline.
                response.Headers.ContentSecurityPolicy = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'";
            }

            response.ContentType = asset.ContentType;
            response.ContentLength = asset.Bytes.Length;
            return response.Body.WriteAsync(asset.Bytes, httpContext.RequestAborted).AsTask();
        }
    }
}
