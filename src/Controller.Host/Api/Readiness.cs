using System.Text.Json;
using Controller.Ran.Contract;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Controller.Host.Api;

/// <summary>
/// <c>/readyz</c>'s checks (ASP.NET Core health checks tagged <see cref="ReadyTag"/>): the silo is active in its
/// cluster, grain storage answers, the RAN answers. <c>/healthz</c> runs none of them: it says the process serves
/// HTTP, which is what a liveness probe should restart on; readiness failing takes the silo out of a load balancer
/// without restarting it.
/// </summary>
internal static class Readiness
{
    /// <summary>Tag of the readiness checks.</summary>
    public const string ReadyTag = "ready";

    /// <summary>Longest a check waits for storage or the RAN before calling it unreachable.</summary>
    public static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Adds the checks: the silo always, storage when <paramref name="storageProbe"/> is given, the RAN on a control silo.</summary>
    public static IHealthChecksBuilder AddReadiness(this IHealthChecksBuilder checks, Func<CancellationToken, Task>? storageProbe, bool control)
    {
        checks.AddCheck<SiloActive>("silo", tags: [ReadyTag]);
        checks.Add(new HealthCheckRegistration("storage", _ => new StorageAnswers(storageProbe), HealthStatus.Unhealthy, [ReadyTag], CheckTimeout));
        if (control)
        {
            checks.Add(new HealthCheckRegistration("ran", services => new RanAnswers((IRanAdapter)services.GetService(typeof(IRanAdapter))!), HealthStatus.Unhealthy, [ReadyTag], CheckTimeout));
        }

        return checks;
    }

    /// <summary><c>/healthz</c>'s body: "ok" (what the API answered before health checks, kept for probes and scripts).</summary>
    public static Task WriteLiveAsync(HttpContext context, HealthReport report) =>
        context.Response.WriteAsync(report.Status == HealthStatus.Healthy ? "ok" : report.Status.ToString());

    /// <summary><c>/readyz</c>'s body: the overall status and each check's status and reason, as JSON.</summary>
    public static async Task WriteReadyAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        };
        await JsonSerializer.SerializeAsync(context.Response.Body, body, ControlApi.Json, context.RequestAborted).ConfigureAwait(false);
    }

    private sealed class SiloActive(Orleans.Runtime.ISiloStatusOracle oracle) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var status = oracle.CurrentStatus;
            return Task.FromResult(status == Orleans.Runtime.SiloStatus.Active
                ? HealthCheckResult.Healthy("silo active")
                : HealthCheckResult.Unhealthy($"silo {status}"));
        }
    }

    private sealed class StorageAnswers(Func<CancellationToken, Task>? probe) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            if (probe is null)
            {
                return HealthCheckResult.Healthy("in-memory storage");
            }

            try
            {
                await probe(cancellationToken).ConfigureAwait(false);
                return HealthCheckResult.Healthy("storage answers");
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // The exception's type only: a storage client's message can carry an account name or a URL with a token.
                return HealthCheckResult.Unhealthy($"storage does not answer ({exception.GetType().Name})");
            }
        }
    }

    private sealed class RanAnswers(IRanAdapter ran) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var topology = await ran.GetTopologyAsync(cancellationToken).ConfigureAwait(false);
                return HealthCheckResult.Healthy($"RAN answers ({topology.Regions.Count} regions)");
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return HealthCheckResult.Unhealthy($"RAN does not answer ({exception.GetType().Name})");
            }
        }
    }
}
