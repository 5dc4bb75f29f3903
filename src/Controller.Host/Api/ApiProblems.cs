using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Controller.Host.Api;

/// <summary>
/// Turns the API's refusals into RFC 9457 problem details: <see cref="ControlApi.ApiException"/> (its status and
/// message), a request ASP.NET Core could not bind (<see cref="BadHttpRequestException"/>: its status, e.g. 400 or
/// 413) and an argument a grain refused (400). Anything else is left to the exception handler's 500 problem, which
/// in the production environment carries no stack trace and no exception text.
/// </summary>
internal sealed class ApiProblems(IProblemDetailsService problems) : IExceptionHandler
{
    /// <inheritdoc />
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var (status, detail) = exception switch
        {
            ControlApi.ApiException api => (api.Status, api.Message),
            BadHttpRequestException bad => (bad.StatusCode, bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "The request body is larger than the API's limit." : bad.Message),
            // A grain's own range check (the API checks first; this is the second line).
            ArgumentException argument => (StatusCodes.Status400BadRequest, argument.Message),
            _ => (0, ""),
        };
        if (status == 0)
        {
            return false;
        }

        httpContext.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new ProblemDetails { Status = status, Title = Title(status), Detail = detail },
        }).ConfigureAwait(false);
    }

    /// <summary>The problem's title for a status.</summary>
    public static string Title(int status) => status switch
    {
        StatusCodes.Status404NotFound => "Unknown id",
        StatusCodes.Status413PayloadTooLarge => "Request body too large",
        StatusCodes.Status401Unauthorized => "API key required",
        _ => "Invalid request",
    };
}
