using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Controller.Host.Api;

/// <summary>
/// ASP.NET Core authentication of the API's bearer keys (<c>Authorization: Bearer KEY</c>): the principal's name is
/// the key's id, never the key. Its challenges are RFC 9457 problem details with <c>WWW-Authenticate: Bearer</c>
/// (RFC 6750), 401 for a missing and for a wrong key alike.
/// </summary>
internal sealed partial class ApiKeyAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiAccess access, IProblemDetailsService problems)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    private readonly ILogger _audit = logger.CreateLogger(ControlApi.AuditCategory);

    /// <summary>The scheme's name.</summary>
    public const string SchemeName = "Bearer";

    /// <summary>The authorization policy of routes that need a key.</summary>
    public const string OperatorPolicy = "operator";

    private const string BearerPrefix = "Bearer ";

    /// <inheritdoc />
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue("Authorization", out var header) || header.Count == 0)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var value = header.ToString();
        if (!value.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase) || value.Length == BearerPrefix.Length)
        {
            return Task.FromResult(AuthenticateResult.Fail("The Authorization header must be 'Bearer KEY'."));
        }

        if (access.Match(value[BearerPrefix.Length..].Trim()) is not { } keyId)
        {
            return Task.FromResult(AuthenticateResult.Fail("The key is not one this controller accepts."));
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, keyId)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    /// <inheritdoc />
    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var failure = (await HandleAuthenticateOnceSafeAsync().ConfigureAwait(false)).Failure;
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = failure is null ? "Bearer" : "Bearer error=\"invalid_token\"";
        var detail = !access.HasKeys
            ? $"This controller has no API key, so nothing can change it over HTTP; {ApiAccess.HowToSetKey}."
            : failure is null
                ? "This route needs an API key: send 'Authorization: Bearer KEY'."
                : failure.Message;
        if (_audit.IsEnabled(LogLevel.Information))
        {
            var peer = Context.Connection.RemoteIpAddress is { } address ? new System.Net.IPEndPoint(address, Context.Connection.RemotePort).ToString() : "unknown";
            Refused(_audit, Request.Method, Request.Path.Value ?? "", peer, failure is null ? "no key" : failure.Message);
        }

        await WriteAsync(StatusCodes.Status401Unauthorized, "API key required", detail).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
        => WriteAsync(StatusCodes.Status403Forbidden, "Forbidden", "The key is valid but may not do this.");

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "API {Method} {Path} from {Peer} refused (401): {Reason}")]
    private static partial void Refused(ILogger logger, string method, string path, string peer, string reason);

    private async Task WriteAsync(int status, string title, string detail)
    {
        Response.StatusCode = status;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        }).ConfigureAwait(false);
    }
}
