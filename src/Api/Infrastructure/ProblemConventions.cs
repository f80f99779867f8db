using System.Diagnostics;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace SoukLoop.Api.Infrastructure;

/// <summary>
/// Every error is RFC 9457 problem+json with `type`, `title`, `status`, `detail`, a stable `code` and the `trace_id`.
/// Answers that name no code get the one of their status (see <see cref="ProblemCodes.ForStatus"/>).
/// </summary>
public static class ProblemConventions
{
    public const string CodeKey = "code";
    public const string TraceIdKey = "trace_id";
    public const string ContentType = "application/problem+json";

    public static IServiceCollection AddSoukProblemDetails(this IServiceCollection services)
    {
        services.AddProblemDetails(o => o.CustomizeProblemDetails = Customize);
        // After the default writer: answers problem+json even to clients whose Accept header names neither JSON type.
        services.AddSingleton<IProblemDetailsWriter, FallbackProblemDetailsWriter>();
        return services;
    }

    public static void Customize(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        var http = context.HttpContext;
        var status = problem.Status ?? http.Response.StatusCode;
        problem.Status = status;
        problem.Type ??= "about:blank";
        problem.Title ??= ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase : "Error";
        if (!problem.Extensions.TryGetValue(CodeKey, out var code) || code is null)
            problem.Extensions[CodeKey] = problem is HttpValidationProblemDetails && status == StatusCodes.Status400BadRequest
                ? ProblemCodes.ValidationFailed
                : ProblemCodes.ForStatus(status);
        problem.Detail ??= DefaultDetail(status, http);
        problem.Extensions.Remove("traceId");
        problem.Extensions[TraceIdKey] = Activity.Current?.Id ?? http.TraceIdentifier;
    }

    /// <summary>Writes a problem answer outside of an endpoint (auth events, middleware).</summary>
    public static async Task WriteAsync(HttpContext http, int status, string code, string detail, Exception? exception = null)
    {
        http.Response.StatusCode = status;
        var problem = new ProblemDetails { Status = status, Detail = detail };
        problem.Extensions[CodeKey] = code;
        var service = http.RequestServices.GetRequiredService<IProblemDetailsService>();
        await service.WriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem, Exception = exception });
    }

    static string DefaultDetail(int status, HttpContext http) => status switch
    {
        StatusCodes.Status400BadRequest => "The request is invalid.",
        StatusCodes.Status401Unauthorized => "A valid access token is required (Authorization: Bearer <token>).",
        StatusCodes.Status403Forbidden => "You are not allowed to do this.",
        StatusCodes.Status404NotFound => $"Nothing is found at {http.Request.Method} {http.Request.Path}.",
        StatusCodes.Status405MethodNotAllowed => $"{http.Request.Method} is not allowed on {http.Request.Path}.",
        StatusCodes.Status413PayloadTooLarge => "The request body is larger than this endpoint accepts.",
        StatusCodes.Status415UnsupportedMediaType => "Send the request body as application/json.",
        StatusCodes.Status503ServiceUnavailable => "A service this request needs is unavailable. Try again later.",
        >= 500 => "An unexpected error occurred. Quote the trace_id when reporting it.",
        _ => ReasonPhrases.GetReasonPhrase(status)
    };

    sealed class FallbackProblemDetailsWriter(IOptions<ProblemDetailsOptions> problemOptions, IOptions<JsonOptions> jsonOptions)
        : IProblemDetailsWriter
    {
        public bool CanWrite(ProblemDetailsContext context) => true;

        public ValueTask WriteAsync(ProblemDetailsContext context)
        {
            problemOptions.Value.CustomizeProblemDetails?.Invoke(context);
            var problem = context.ProblemDetails;
            return new ValueTask(context.HttpContext.Response.WriteAsJsonAsync(problem, problem.GetType(),
                jsonOptions.Value.SerializerOptions, ContentType));
        }
    }
}
