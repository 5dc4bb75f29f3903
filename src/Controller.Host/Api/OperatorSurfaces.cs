using Controller.Grains;
using Controller.Host.Hosting;
using Controller.Persistence;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.OpenApi;
using OpenTelemetry.Exporter;
using Scalar.AspNetCore;

namespace Controller.Host.Api;

/// <summary>What the operator-facing web surfaces of a silo host need beyond the silo's own settings.</summary>
internal sealed record ApiSettings
{
    /// <summary>The keys mutations (and, beyond loopback, reads) need.</summary>
    public ApiAccess Access { get; init; } = ApiAccess.None;

    /// <summary>The policy registry listed by <c>GET /api/policies</c> (null: bundled and built-in policies only).</summary>
    public ArtifactRegistry? Registry { get; init; }

    /// <summary>How much per-entity history to keep.</summary>
    public HistoryOptions History { get; init; } = new();

    /// <summary>How often the dashboard's stream sends.</summary>
    public Controller.Host.Dashboard.DashboardStreamOptions Dashboard { get; init; } = new();

    /// <summary>An extra log sink (tests read the mutation records through it).</summary>
    public ILoggerProvider? LogSink { get; init; }
}

/// <summary>
/// The operator's surfaces of a silo host, beside the silo on one <see cref="WebApplication"/>: the API
/// (<see cref="ControlApi"/>), its OpenAPI document (<c>/openapi/v1.json</c>) and browsable reference
/// (<c>/scalar</c>, Scalar's assets served from its package: no CDN, no fonts or telemetry from outside),
/// <c>/metrics</c> (OpenTelemetry's Prometheus exporter), <c>/healthz</c> and <c>/readyz</c> (health checks), and
/// bearer-key authentication; the dashboard at <c>/</c> and Orleans' at <c>/orleans</c> (<see cref="Dashboard.DashboardSurface"/>).
/// </summary>
internal static class OperatorSurfaces
{
    /// <summary>Route of the OpenAPI document.</summary>
    public const string OpenApiRoute = "/openapi/v1.json";

    /// <summary>Route prefix of the API reference.</summary>
    public const string ReferenceRoute = "/scalar";

    /// <summary>Registers the surfaces' services on <paramref name="builder"/>.</summary>
    public static void AddServices(WebApplicationBuilder builder, SiloSettings settings, ApiSettings api)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddSingleton(api.Access);
        if (api.LogSink is { } sink)
        {
            builder.Logging.AddProvider(sink);
        }

        // Every mutation is recorded whatever the verbosity of the rest of the logs; the handler's own lines would
        // repeat each refusal the audit log records once.
        builder.Logging.AddFilter(ControlApi.AuditCategory, LogLevel.Information);
        builder.Logging.AddFilter(typeof(ApiKeyAuthentication).FullName, LogLevel.Warning);
        services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.UnmappedMemberHandling = ControlApi.Json.UnmappedMemberHandling;
            json.SerializerOptions.NumberHandling = ControlApi.Json.NumberHandling;
            json.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.CamelCase));
        });
        // Binding failures (a query value that is not a number) become exceptions ApiProblems turns into problems.
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(routes => routes.ThrowOnBadRequest = true);
        services.AddExceptionHandler<ApiProblems>();
        // Reads of the API are answered from a 100 ms output cache (serialized bytes, per path and query), so a
        // dashboard wall or a scraper reading thousands of times a second costs little CPU beside the loops (measured
        // with bench api: src/Controller.Host/README.md). Requests with an Authorization header are not cached (the
        // output cache's default), and every mutation evicts the cache.
        services.AddOutputCache(cache => cache.AddPolicy(ControlApi.ReadCachePolicy, policy => policy
            .Expire(ReadCoalescer<int>.DefaultFreshness)
            .SetVaryByQuery("*")
            .Tag(ControlApi.ReadCacheTag)));
        // Authentication brings ASP.NET Core's data protection, which nothing here uses (no cookies, no tokens it
        // issues); an ephemeral provider keeps it from writing a key ring to the home directory and warning about it.
        services.AddDataProtection().UseEphemeralDataProtectionProvider();
        services.AddAuthentication(ApiKeyAuthentication.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthentication>(ApiKeyAuthentication.SchemeName, _ => { });
        services.AddAuthorizationBuilder()
            .AddPolicy(ApiKeyAuthentication.OperatorPolicy, policy => policy.AddAuthenticationSchemes(ApiKeyAuthentication.SchemeName).RequireAuthenticatedUser());
        services.AddHealthChecks().AddReadiness(settings.StorageProbe, control: settings.Control is not null);
        services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "Cloud RAN controller API",
                    Version = "v1",
                    Description = "Regions, cells and users of one control silo: state, history, demands and policies. Mutations need 'Authorization: Bearer KEY'. Errors are RFC 9457 problem details.",
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[ApiKeyAuthentication.SchemeName] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "The controller's API key (CONTROLLER_API_KEY, a key file, or the demo's generated state-dir/api-key).",
                };
                return Task.CompletedTask;
            });
            options.AddOperationTransformer(async (operation, context, cancellationToken) =>
            {
                var metadata = context.Description.ActionDescriptor.EndpointMetadata;
                if (metadata.OfType<ControlApi.JsonRequestBody>().FirstOrDefault() is { } body)
                {
                    operation.RequestBody = new OpenApiRequestBody
                    {
                        Required = true,
                        Content = new Dictionary<string, OpenApiMediaType>
                        {
                            ["application/json"] = new() { Schema = await context.GetOrCreateSchemaAsync(body.Type, null, cancellationToken).ConfigureAwait(false) },
                        },
                    };
                }

                if (metadata.OfType<Microsoft.AspNetCore.Authorization.IAuthorizeData>().Any())
                {
                    operation.Security ??= [];
                    operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyAuthentication.SchemeName, context.Document)] = [] });
                }
            });
        });
        if (settings.Control is not null)
        {
            services.AddSingleton(api.History);
            services.AddSingleton<OperatorHistory>();
            services.AddHostedService(provider => provider.GetRequiredService<OperatorHistory>());
            Dashboard.DashboardSurface.AddServices(services, api.Dashboard);
            if (api.Registry is { } registry)
            {
                services.AddSingleton(registry);
            }
        }
    }

    /// <summary>Adds the middleware and maps the routes on <paramref name="app"/>.</summary>
    public static void Map(WebApplication app, SiloSettings settings, ApiAccess access)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            // A refusal the handler answered is the client's mistake, not the server's error: no error log per bad request.
            SuppressDiagnosticsCallback = context => context.ExceptionHandledBy == Microsoft.AspNetCore.Diagnostics.ExceptionHandledType.ExceptionHandlerService,
        });
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseOutputCache();

        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = Readiness.WriteLiveAsync }).ExcludeFromDescription();
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains(Readiness.ReadyTag), ResponseWriter = Readiness.WriteReadyAsync }).ExcludeFromDescription();
        var metrics = app.MapPrometheusScrapingEndpoint();
        if (access.ReadsNeedKey)
        {
            metrics.RequireAuthorization(ApiKeyAuthentication.OperatorPolicy);
        }

        app.MapOpenApi(OpenApiRoute);
        app.MapScalarApiReference(ReferenceRoute, scalar =>
        {
            scalar.Title = "Cloud RAN controller API";
            scalar.OpenApiRoutePattern = OpenApiRoute;
            // Offline: Scalar's script comes from the package; no web fonts, no telemetry, no proxy.
            scalar.DefaultFonts = false;
            scalar.Telemetry = false;
        });
        if (settings.Control is not null)
        {
            ControlApi.Map(app, access);
        }

        Dashboard.DashboardSurface.Map(app, access, control: settings.Control is not null);
    }
}
