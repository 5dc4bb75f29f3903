using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Controller.Grains;
using Controller.Optimization.Isac;
using Controller.Optimization.Policies;
using Controller.Persistence;
using Controller.Policies;
using Controller.Radio;
using Controller.Radio.Policies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Controller.Host.Api;

/// <summary>
/// The control silo's HTTP API under <c>/api</c>, described by the OpenAPI document (<c>/openapi/v1.json</c>):
/// regions, cells and users (lists paged), their state and sampled history, the policies a region can run, demands
/// (set with PUT, cleared with DELETE) and the policy per region. Ids contain '/', which travels escaped (%2F) or as
/// two path segments (<c>/api/users/r000/u007/demand</c>). Bodies are strict JSON (<c>application/json</c>, every
/// field present and spelt right, numbers as numbers, at most <see cref="MaxRequestBodyBytes"/>); every value is
/// checked here before it reaches a grain. Mutations need a bearer key (<see cref="ApiAccess"/>) and are logged with
/// who, what, before and after. Errors are RFC 9457 problem details (<see cref="ApiProblems"/>).
/// </summary>
internal static partial class ControlApi
{
    /// <summary>Largest request body (a demand or a policy name).</summary>
    public const long MaxRequestBodyBytes = 4096;

    /// <summary>Longest policy name accepted (the longest real one, nested wrappers included, is far shorter).</summary>
    public const int MaxPolicyNameLength = 256;

    /// <summary>Largest page of a list.</summary>
    public const int MaxPageSize = 1000;

    /// <summary>Page size when none is asked for.</summary>
    public const int DefaultPageSize = 100;

    /// <summary>Log category of the mutation records.</summary>
    public const string AuditCategory = "Controller.Host.Api.Audit";

    /// <summary>The serializer options of reads and writes: web defaults, strict on the way in.</summary>
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        // Strict bodies: a misspelt field or a number sent as a string is the client's mistake, said plainly.
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        NumberHandling = JsonNumberHandling.Strict,
    };

    /// <summary>Maps the routes on <paramref name="app"/> (whose services hold the silo's grain factory and topology).</summary>
    public static void Map(IEndpointRouteBuilder app, ApiAccess access)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(access);
        var services = app.ServiceProvider;
        var endpoints = new Endpoints(
            services.GetRequiredService<ControlTopology>(),
            services.GetRequiredService<IGrainFactory>(),
            services.GetRequiredService<ControlPlaneMonitor>(),
            services.GetRequiredService<OperatorHistory>(),
            services.GetRequiredService<IPolicyProvider>(),
            services.GetService<ArtifactRegistry>(),
            services.GetRequiredService<ILoggerFactory>().CreateLogger(AuditCategory),
            services.GetRequiredService<Microsoft.AspNetCore.OutputCaching.IOutputCacheStore>());

        var reads = app.MapGroup("/api").CacheOutput(ReadCachePolicy);
        if (access.ReadsNeedKey)
        {
            reads.RequireAuthorization(ApiKeyAuthentication.OperatorPolicy);
        }

        var writes = app.MapGroup("/api").RequireAuthorization(ApiKeyAuthentication.OperatorPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        endpoints.MapReads(reads);
        endpoints.MapWrites(writes);
    }

    /// <summary>The control plane at a glance from what the regions published (the overview route and the dashboard's stream).</summary>
    internal static Overview OverviewOf(ControlPlaneMonitor monitor)
    {
        var view = monitor.Aggregate();
        return new Overview(
            view.Regions,
            view.Users,
            view.Loops,
            OperatorHistory.Finite(view.LoopP50Ms),
            OperatorHistory.Finite(view.LoopP99Ms),
            OperatorHistory.Finite(view.MeanRate),
            OperatorHistory.Finite(view.FifthPercentileRate),
            view.Violations,
            view.UsersWithDemand,
            view.RejectedTelemetry,
            view.Unavailable,
            view.Overruns,
            view.FailedLoops,
            view.LastFailure,
            view.Policies);
    }

    /// <summary>
    /// The JSON body an endpoint reads itself (strictly, with its own messages), for the OpenAPI document only.
    /// <c>Accepts&lt;T&gt;</c> would also make routing answer a wrong content type with a bare 415 before the
    /// endpoint could say what it expects.
    /// </summary>
    /// <param name="Type">The body's type.</param>
    internal sealed record JsonRequestBody(Type Type);

    /// <summary>A request the API refuses; <see cref="Status"/> is the HTTP status.</summary>
    internal sealed class ApiException(int status, string message) : Exception(message)
    {
        public int Status { get; } = status;
    }

    /// <summary>The output-cache policy of the API's reads (100 ms).</summary>
    internal const string ReadCachePolicy = "api-reads";

    /// <summary>The tag mutations evict.</summary>
    internal const string ReadCacheTag = "api-reads";

    private sealed partial class Endpoints(ControlTopology plane, IGrainFactory grains, ControlPlaneMonitor monitor, OperatorHistory history, IPolicyProvider policies, ArtifactRegistry? registry, ILogger audit, Microsoft.AspNetCore.OutputCaching.IOutputCacheStore cache)
    {
        private const string AllRegions = "";
        private readonly ReadCoalescer<RegionStatus> _regionReads = new();
        private readonly ReadCoalescer<RegionStatus[]> _regionListReads = new();
        private readonly ReadCoalescer<UserState> _userReads = new();
        private readonly ReadCoalescer<CellView> _cellReads = new();

        public void MapReads(RouteGroupBuilder api)
        {
            api.MapGet("/overview", GetOverview).WithName("GetOverview").WithTags("overview")
                .WithSummary("The control plane at a glance: loops, latency, rates, violations, policies.");

            api.MapGet("/regions", ListRegionsAsync).WithName("ListRegions").WithTags("regions")
                .WithSummary("Every region's status.");
            api.MapGet("/regions/{regionId}", GetRegionAsync).WithName("GetRegion").WithTags("regions")
                .WithSummary("One region's status: policy, loop counters, last outcome.").ProducesProblem(StatusCodes.Status404NotFound);
            api.MapGet("/regions/{regionId}/history", GetRegionHistory).WithName("GetRegionHistory").WithTags("regions")
                .WithSummary("One region's sampled history: loop latency since each previous sample, rates, violations.").ProducesProblem(StatusCodes.Status404NotFound);

            api.MapGet("/regions/{regionId}/geometry", GetRegionGeometry).WithName("GetRegionGeometry").WithTags("regions")
                .WithSummary("Where a region's cells and users are, where its scenario has geometry (users where they were when the region was drawn).").ProducesProblem(StatusCodes.Status404NotFound);

            api.MapGet("/cells", ListCells).WithName("ListCells").WithTags("cells")
                .WithSummary("Cells, a page at a time, optionally of one region.").ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
            api.MapGet("/cells/{cellId}", (string cellId, CancellationToken cancellationToken) => GetCellAsync(Unescape(cellId), cancellationToken))
                .WithName("GetCellEscaped").WithTags("cells").WithSummary("One cell's view, its id escaped (r000%2Fc01).").ProducesProblem(StatusCodes.Status404NotFound);
            api.MapGet("/cells/{cellRegion}/{cellName}", (string cellRegion, string cellName, CancellationToken cancellationToken) => GetCellAsync($"{cellRegion}/{cellName}", cancellationToken))
                .WithName("GetCell").WithTags("cells").WithSummary("One cell's view: users, neighbours, last decision.").ProducesProblem(StatusCodes.Status404NotFound);
            api.MapGet("/cells/{cellRegion}/{cellName}/history", (string cellRegion, string cellName) => GetCellHistory($"{cellRegion}/{cellName}"))
                .WithName("GetCellHistory").WithTags("cells").WithSummary("One cell's sampled decisions.").ProducesProblem(StatusCodes.Status404NotFound);

            api.MapGet("/users", ListUsers).WithName("ListUsers").WithTags("users")
                .WithSummary("Users with their rate and duals, a page at a time, optionally of one region.").ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
            api.MapGet("/users/{userId}", (string userId, CancellationToken cancellationToken) => GetUserAsync(Unescape(userId), cancellationToken))
                .WithName("GetUserEscaped").WithTags("users").WithSummary("One user's whole state, its id escaped (r000%2Fu007).").ProducesProblem(StatusCodes.Status404NotFound);
            api.MapGet("/users/{userRegion}/{userName}", (string userRegion, string userName, CancellationToken cancellationToken) => GetUserAsync($"{userRegion}/{userName}", cancellationToken))
                .WithName("GetUser").WithTags("users").WithSummary("One user's whole state: demand, rate average, lambda / mu / slack, ALCOR, DBiNUM.").ProducesProblem(StatusCodes.Status404NotFound);
            api.MapGet("/users/{userRegion}/{userName}/history", (string userRegion, string userName) => GetUserHistory($"{userRegion}/{userName}"))
                .WithName("GetUserHistory").WithTags("users").WithSummary("One user's sampled rate, demand and duals.").ProducesProblem(StatusCodes.Status404NotFound);

            api.MapGet("/policies", ListPoliciesAsync).WithName("ListPolicies").WithTags("policies")
                .WithSummary("Policies a region can be switched to: baselines, wrappers, bundled learned policies and the registry's.");
        }

        public void MapWrites(RouteGroupBuilder api)
        {
            api.MapPut("/regions/{regionId}/policy", PutPolicyAsync).WithName("PutRegionPolicy").WithTags("regions")
                .WithSummary("Switches a region's policy from its next loop on.")
                .WithMetadata(new JsonRequestBody(typeof(PolicyBody))).ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
            api.MapPut("/regions/{regionId}/isac", PutIsacAsync).WithName("PutRegionIsac").WithTags("regions")
                .WithSummary("Sets an ISAC region's trade-off (communication weight in [0, 1]) from its next loop on; GET /api/regions/{id} shows it with the last CRLB and WSR.")
                .WithMetadata(new JsonRequestBody(typeof(IsacBody))).ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
            api.MapPut("/users/{userId}/demand", (string userId, HttpContext context) => PutDemandAsync(Unescape(userId), context))
                .WithName("PutDemandEscaped").WithTags("users").WithSummary("Sets an operator demand, the user's id escaped.")
                .WithMetadata(new JsonRequestBody(typeof(DemandBody))).ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
            api.MapPut("/users/{userRegion}/{userName}/demand", (string userRegion, string userName, HttpContext context) => PutDemandAsync($"{userRegion}/{userName}", context))
                .WithName("PutDemand").WithTags("users").WithSummary("Sets an operator demand (minimum rate, bps/Hz) for a user from its region's next loop on.")
                .WithMetadata(new JsonRequestBody(typeof(DemandBody))).ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
            api.MapDelete("/users/{userId}/demand", (string userId, HttpContext context) => DeleteDemandAsync(Unescape(userId), context))
                .WithName("DeleteDemandEscaped").WithTags("users").WithSummary("Clears an operator demand, the user's id escaped.").ProducesProblem(StatusCodes.Status404NotFound);
            api.MapDelete("/users/{userRegion}/{userName}/demand", (string userRegion, string userName, HttpContext context) => DeleteDemandAsync($"{userRegion}/{userName}", context))
                .WithName("DeleteDemand").WithTags("users").WithSummary("Clears a user's operator demand: the RAN's demand applies again.").ProducesProblem(StatusCodes.Status404NotFound);
        }

        private Ok<Overview> GetOverview() => TypedResults.Ok(OverviewOf(monitor));

        private async Task<Ok<RegionStatus[]>> ListRegionsAsync(CancellationToken cancellationToken)
            => TypedResults.Ok(await _regionListReads.GetAsync(
                AllRegions,
                () => Task.WhenAll(plane.Regions.Select(r => grains.GetGrain<IRegionGrain>(r.RegionId).GetStatusAsync(CancellationToken.None))),
                cancellationToken).ConfigureAwait(false));

        private async Task<Ok<RegionStatus>> GetRegionAsync(string regionId, CancellationToken cancellationToken)
        {
            var id = Region(regionId);
            return TypedResults.Ok(await _regionReads.GetAsync(id, () => grains.GetGrain<IRegionGrain>(id).GetStatusAsync(CancellationToken.None), cancellationToken).ConfigureAwait(false));
        }

        private Ok<EntityHistory<RegionHistoryPoint>> GetRegionHistory(string regionId)
        {
            var id = Region(regionId);
            return TypedResults.Ok(new EntityHistory<RegionHistoryPoint>(id, history.IntervalSeconds, history.Region(id)));
        }

        private Ok<Controller.Host.Dashboard.RegionGeometry> GetRegionGeometry(string regionId)
        {
            plane.TryFindRegion(Region(regionId), out var region, out _);
            if (region.CellPositions is not { } cells || region.UserPositions is not { } users || cells.Count != region.CellIds.Count || users.Count != region.UserIds.Count)
            {
                return TypedResults.Ok(new Controller.Host.Dashboard.RegionGeometry(region.RegionId, false, [], []));
            }

            return TypedResults.Ok(new Controller.Host.Dashboard.RegionGeometry(
                region.RegionId,
                true,
                [.. region.CellIds.Select((id, c) => new Controller.Host.Dashboard.PlacedCell(id, cells[c].X, cells[c].Y))],
                [.. region.UserIds.Select((id, u) => new Controller.Host.Dashboard.PlacedUser(id, region.CellIds[region.ServingCell[u]], users[u].X, users[u].Y))]));
        }

        private Ok<Page<CellSummary>> ListCells(string? region, string? offset, string? limit, HttpContext context)
        {
            var regions = RegionsOf(region);
            var cells = regions.SelectMany(r => r.CellIds.Select((id, i) => (Region: r, Id: id, Index: i))).ToArray();
            return TypedResults.Ok(Paged(cells, offset, limit, context, c => new CellSummary(
                c.Id,
                c.Region.RegionId,
                c.Index,
                [.. c.Region.UserIds.Where((_, u) => c.Region.ServingCell[u] == c.Index)])));
        }

        private async Task<Ok<CellView>> GetCellAsync(string cellId, CancellationToken cancellationToken)
        {
            Cell(cellId);
            return TypedResults.Ok(await _cellReads.GetAsync(cellId, () => grains.GetGrain<ICellGrain>(cellId).GetViewAsync(CancellationToken.None), cancellationToken).ConfigureAwait(false));
        }

        private Ok<EntityHistory<CellHistoryPoint>> GetCellHistory(string cellId)
        {
            Cell(cellId);
            return TypedResults.Ok(new EntityHistory<CellHistoryPoint>(cellId, history.IntervalSeconds, history.Cell(cellId)));
        }

        private Ok<Page<UserSummary>> ListUsers(string? region, string? offset, string? limit, HttpContext context)
        {
            var regions = RegionsOf(region);
            var snapshots = regions.ToDictionary(r => r.RegionId, r => monitor.Region(r.RegionId), StringComparer.Ordinal);
            var users = regions.SelectMany(r => r.UserIds.Select((id, i) => (Region: r, Id: id, Index: i))).ToArray();
            return TypedResults.Ok(Paged(users, offset, limit, context, u =>
            {
                var snapshot = snapshots[u.Region.RegionId];
                var known = snapshot is not null && snapshot.RateAverages.Length > u.Index;
                return new UserSummary(
                    u.Id,
                    u.Region.RegionId,
                    u.Index,
                    u.Region.CellIds[u.Region.ServingCell[u.Index]],
                    known ? OperatorHistory.Finite(snapshot!.RateAverages[u.Index]) : null,
                    known ? OperatorHistory.Finite(snapshot!.Demands[u.Index]) : null,
                    known ? OperatorHistory.Finite(snapshot!.Mu[u.Index]) : null,
                    known ? OperatorHistory.Finite(snapshot!.Slack[u.Index]) : null);
            }));
        }

        private async Task<Ok<UserState>> GetUserAsync(string userId, CancellationToken cancellationToken)
        {
            User(userId);
            return TypedResults.Ok(await _userReads.GetAsync(userId, () => grains.GetGrain<IUserGrain>(userId).GetStateAsync(CancellationToken.None), cancellationToken).ConfigureAwait(false));
        }

        private Ok<EntityHistory<UserHistoryPoint>> GetUserHistory(string userId)
        {
            User(userId);
            return TypedResults.Ok(new EntityHistory<UserHistoryPoint>(userId, history.IntervalSeconds, history.User(userId)));
        }

        private async Task<Ok<PolicyInfo[]>> ListPoliciesAsync(CancellationToken cancellationToken)
        {
            var list = new List<PolicyInfo>();
            foreach (var (name, description) in policies.Policies)
            {
                var kind = name.Contains("(<inner>)", StringComparison.Ordinal) ? "wrapper"
                    : LearnedPolicies.Recognizes(name) ? "learned"
                    : name is IsacPolicy.RobustName or IsacPolicy.NonRobustName ? "isac"
                    : "baseline";
                list.Add(new PolicyInfo(name, kind, description, name.Contains('<', StringComparison.Ordinal), null, null));
            }

            if (registry is not null)
            {
                foreach (var entry in await registry.ListAsync(cancellationToken).ConfigureAwait(false))
                {
                    var architecture = entry.Metadata.GetValueOrDefault("architecture") ?? "";
                    var prefix = architecture == "agg-gnn" ? LearnedPolicies.AggGnnPrefix : LearnedPolicies.GnnPrefix;
                    list.Add(new PolicyInfo(prefix + entry.Name, "registry", $"{architecture} imported into this silo's registry", false, entry.Version, entry.ImportedUtc));
                }
            }

            return TypedResults.Ok(list.ToArray());
        }

        private async Task<NoContent> PutPolicyAsync(string regionId, HttpContext context)
        {
            var region = Region(regionId);
            var body = await ReadAsync<PolicyBody>(context, "a policy {\"policy\": name}").ConfigureAwait(false);
            var policy = body.Policy?.Trim();
            if (string.IsNullOrEmpty(policy))
            {
                throw new ApiException(StatusCodes.Status400BadRequest, "The body must name a policy: {\"policy\": \"wmmse\"} (GET /api/policies lists them).");
            }

            if (policy.Length > MaxPolicyNameLength || policy.Any(char.IsControl))
            {
                throw new ApiException(StatusCodes.Status400BadRequest, $"A policy name has at most {MaxPolicyNameLength} characters and no control characters (GET /api/policies lists them).");
            }

            var grain = grains.GetGrain<IRegionGrain>(region);
            var before = await grain.GetStatusAsync(context.RequestAborted).ConfigureAwait(false);
            try
            {
                await grain.SetPolicyAsync(policy, context.RequestAborted).ConfigureAwait(false);
            }
            catch (RadioInputException exception)
            {
                Record(context, "set-policy", region, exception.Message);
                throw new ApiException(StatusCodes.Status400BadRequest, exception.Message);
            }

            await ForgetAsync(region).ConfigureAwait(false);
            Record(context, "set-policy", region, before.PendingPolicy ?? before.Policy, policy);
            return TypedResults.NoContent();
        }

        private async Task<NoContent> PutIsacAsync(string regionId, HttpContext context)
        {
            var region = Region(regionId);
            var body = await ReadAsync<IsacBody>(context, "an ISAC trade-off {\"communicationWeight\": number in [0, 1]}").ConfigureAwait(false);
            var weight = body.CommunicationWeight;
            if (IsacPolicy.WeightError(weight) is { } error)
            {
                throw new ApiException(StatusCodes.Status400BadRequest, error);
            }

            plane.TryFindRegion(region, out var topology, out _);
            if (topology.Isac is null)
            {
                throw new ApiException(StatusCodes.Status409Conflict, $"Region '{region}' runs scenario '{topology.Scenario}', which has no ISAC cells; a communication weight applies only to regions of the 'isac' scenario.");
            }

            var grain = grains.GetGrain<IRegionGrain>(region);
            var before = await grain.GetStatusAsync(context.RequestAborted).ConfigureAwait(false);
            await grain.SetCommunicationWeightAsync(weight, context.RequestAborted).ConfigureAwait(false);
            await ForgetAsync(region).ConfigureAwait(false);
            Record(context, "set-communication-weight", region, before.Isac?.CommunicationWeight.ToString("R", CultureInfo.InvariantCulture) ?? "none", weight.ToString("R", CultureInfo.InvariantCulture));
            return TypedResults.NoContent();
        }

        private async Task<NoContent> PutDemandAsync(string userId, HttpContext context)
        {
            var (region, index) = User(userId);
            var body = await ReadAsync<DemandBody>(context, "a demand {\"demand\": number} (DELETE clears the operator's demand)").ConfigureAwait(false);
            var value = body.Demand;
            if (!double.IsFinite(value) || value < 0 || value > ControlPlaneOptions.MaxDemand)
            {
                throw new ApiException(StatusCodes.Status400BadRequest, string.Create(CultureInfo.InvariantCulture, $"The demand of user '{userId}' must be a finite number in [0, {ControlPlaneOptions.MaxDemand}] bps/Hz (got {value:R})."));
            }

            var before = await grains.GetGrain<IUserGrain>(userId).GetStateAsync(context.RequestAborted).ConfigureAwait(false);
            await grains.GetGrain<IRegionGrain>(region).SetDemandAsync(index, value, context.RequestAborted).ConfigureAwait(false);
            await ForgetAsync(region, userId).ConfigureAwait(false);
            Record(context, "set-demand", userId, Demand(before), value.ToString("R", CultureInfo.InvariantCulture));
            return TypedResults.NoContent();
        }

        private async Task<NoContent> DeleteDemandAsync(string userId, HttpContext context)
        {
            var (region, index) = User(userId);
            var before = await grains.GetGrain<IUserGrain>(userId).GetStateAsync(context.RequestAborted).ConfigureAwait(false);
            await grains.GetGrain<IRegionGrain>(region).ClearDemandAsync(index, context.RequestAborted).ConfigureAwait(false);
            await ForgetAsync(region, userId).ConfigureAwait(false);
            Record(context, "clear-demand", userId, Demand(before), "the RAN's demand");
            return TypedResults.NoContent();
        }

        /// <summary>After a mutation: the next reads of what it changed ask the grains.</summary>
        private async Task ForgetAsync(string region, string? user = null)
        {
            await cache.EvictByTagAsync(ReadCacheTag, CancellationToken.None).ConfigureAwait(false);
            _regionReads.Forget(region);
            _regionListReads.Forget(AllRegions);
            if (user is not null)
            {
                _userReads.Forget(user);
            }
        }

        /// <summary>Logs a mutation: who (key id), from where, what, before and after.</summary>
        private void Record(HttpContext context, string action, string target, string before, string after)
        {
            if (audit.IsEnabled(LogLevel.Information))
            {
                var who = Who(context);
                var peer = Peer(context);
                Changed(audit, who, peer, action, target, before, after);
            }
        }

        /// <summary>Logs a mutation the controller refused after authentication (an unknown policy).</summary>
        private void Record(HttpContext context, string action, string target, string reason)
        {
            if (audit.IsEnabled(LogLevel.Information))
            {
                var who = Who(context);
                var peer = Peer(context);
                Refused(audit, who, peer, action, target, reason);
            }
        }

        private static string Demand(UserState state) => state.Observations == 0
            ? "unobserved"
            : state.Demand.ToString("R", CultureInfo.InvariantCulture);

        /// <summary>The caller's key id (authentication puts it in the principal's name; never the key).</summary>
        private static string Who(HttpContext context) => context.User.Identity?.Name ?? "anonymous";

        private static string Peer(HttpContext context) => context.Connection.RemoteIpAddress is { } address
            ? new IPEndPoint(address, context.Connection.RemotePort).ToString()
            : "unknown";

        private IReadOnlyList<Controller.Ran.Contract.RegionTopology> RegionsOf(string? regionId)
        {
            if (regionId is null)
            {
                return plane.Regions;
            }

            var id = Region(regionId);
            plane.TryFindRegion(id, out var region, out _);
            return [region];
        }

        private static Page<TOut> Paged<TIn, TOut>(TIn[] all, string? offsetText, string? limitText, HttpContext context, Func<TIn, TOut> map)
        {
            var offset = Whole(offsetText, "offset", 0, int.MaxValue, 0);
            var limit = Whole(limitText, "limit", 1, MaxPageSize, DefaultPageSize);
            var items = all.Skip(offset).Take(limit).Select(map).ToArray();
            string? next = null;
            if (offset + items.Length < all.Length)
            {
                var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(context.Request.QueryString.Value);
                query["offset"] = (offset + items.Length).ToString(CultureInfo.InvariantCulture);
                query["limit"] = limit.ToString(CultureInfo.InvariantCulture);
                next = Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString(context.Request.Path, query);
            }

            return new Page<TOut>(items, all.Length, offset, limit, next);
        }

        private static int Whole(string? text, string name, int minimum, int maximum, int fallback)
        {
            if (text is null)
            {
                return fallback;
            }

            return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= minimum && value <= maximum
                ? value
                : throw new ApiException(StatusCodes.Status400BadRequest, $"'{name}' must be a whole number in [{minimum}, {maximum}] (got '{Shorten(text)}').");
        }

        private string Region(string regionId)
            => plane.TryFindRegion(regionId, out _, out _)
                ? regionId
                : throw new ApiException(StatusCodes.Status404NotFound, $"Unknown region '{Shorten(regionId)}'; this controller has regions {plane.Regions[0].RegionId} to {plane.Regions[^1].RegionId}.");

        private (string Region, int Index) User(string userId)
            => plane.TryFindUser(userId, out var region, out var index)
                ? (region.RegionId, index)
                : throw new ApiException(StatusCodes.Status404NotFound, $"Unknown user '{Shorten(userId)}'; user ids look like 'r000/u007'.");

        private void Cell(string cellId)
        {
            if (!plane.TryFindCell(cellId, out _, out _))
            {
                throw new ApiException(StatusCodes.Status404NotFound, $"Unknown cell '{Shorten(cellId)}'; cell ids look like 'r000/c00'.");
            }
        }

        /// <summary>What a client sent, cut short: an error echoes enough to recognize it, never a whole oversized value.</summary>
        private static string Shorten(string text) => text.Length <= 64 ? text : text[..64] + "...";

        private static string Unescape(string value) => value.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);

        private static async Task<T> ReadAsync<T>(HttpContext context, string what)
        {
            if (!context.Request.HasJsonContentType())
            {
                throw new ApiException(StatusCodes.Status400BadRequest, $"The body must be JSON (Content-Type: application/json), got '{Shorten(context.Request.ContentType ?? "no content type")}'; it must be {what}.");
            }

            if (context.Request.ContentLength == 0)
            {
                throw new ApiException(StatusCodes.Status400BadRequest, $"The body is empty; it must be {what}.");
            }

            if (context.Request.ContentLength > MaxRequestBodyBytes)
            {
                throw new ApiException(StatusCodes.Status413PayloadTooLarge, $"The request body is larger than the API's limit of {MaxRequestBodyBytes} bytes.");
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

        [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "API {Action} {Target} by {Who} from {Peer}: {Before} -> {After}")]
        private static partial void Changed(ILogger logger, string who, string peer, string action, string target, string before, string after);

        [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "API {Action} {Target} by {Who} from {Peer} refused: {Reason}")]
        private static partial void Refused(ILogger logger, string who, string peer, string action, string target, string reason);
    }
}
