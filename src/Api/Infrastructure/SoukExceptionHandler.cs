using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using StackExchange.Redis;

namespace SoukLoop.Api.Infrastructure;

/// <summary>
/// Turns every exception into problem+json. Anything a client can send maps to a 4xx; an unreachable dependency
/// (Postgres, Redis, the broker) to 503 dependency_unavailable; only genuine bugs answer 500 internal_error.
/// </summary>
public sealed class SoukExceptionHandler(IProblemDetailsService problems, ILogger<SoukExceptionHandler> log) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        var answer = Classify(http, exception);
        if (answer.Status == StatusCodes.Status503ServiceUnavailable)
            log.LogWarning(exception, "{Method} {Path} failed: {Code}", http.Request.Method, http.Request.Path, answer.Code);
        else if (answer.Status >= 500)
            log.LogError(exception, "{Method} {Path} failed: {Code}", http.Request.Method, http.Request.Path, answer.Code);
        else
            log.LogDebug(exception, "{Method} {Path} rejected: {Code}", http.Request.Method, http.Request.Path, answer.Code);

        if (http.Response.HasStarted)
            return false;
        http.Response.StatusCode = answer.Status;
        if (answer.Status == StatusCodes.Status499ClientClosedRequest)
            return true;

        ProblemDetails problem = answer.Errors is null ? new ProblemDetails() : new HttpValidationProblemDetails(answer.Errors);
        problem.Status = answer.Status;
        problem.Title = answer.Code == ProblemCodes.InvalidJson ? "Invalid JSON" : null;
        problem.Detail = answer.Detail;
        problem.Extensions[ProblemConventions.CodeKey] = answer.Code;
        if (answer.Status == StatusCodes.Status503ServiceUnavailable)
            http.Response.Headers.RetryAfter = "5";
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem, Exception = exception });
    }

    sealed record Answer(int Status, string Code, string Detail, Dictionary<string, string[]>? Errors = null);

    static Answer Classify(HttpContext http, Exception exception)
    {
        if (exception is BadHttpRequestException bad)
            return ClassifyBadRequest(http, bad);
        if (exception is JsonException json)
            return InvalidJson(json);
        if (exception is OperationCanceledException && http.RequestAborted.IsCancellationRequested)
            return new(StatusCodes.Status499ClientClosedRequest, "client_closed_request", "The client closed the request.");
        if (IsDependencyDown(exception))
            return new(StatusCodes.Status503ServiceUnavailable, ProblemCodes.DependencyUnavailable,
                "A service this request needs (database, cache or message broker) is unavailable. Try again later.");
        if (Find<PostgresException>(exception) is { SqlState: PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.ForeignKeyViolation })
            return new(StatusCodes.Status409Conflict, ProblemCodes.Conflict,
                "The request conflicts with the current state (it may have changed meanwhile). Reload and try again.");
        if (Find<PostgresException>(exception) is { SqlState: PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected })
            return new(StatusCodes.Status409Conflict, ProblemCodes.Conflict, "A concurrent change got in the way. Try again.");
        return new(StatusCodes.Status500InternalServerError, ProblemCodes.InternalError,
            "An unexpected error occurred. Quote the trace_id when reporting it.");
    }

    static Answer ClassifyBadRequest(HttpContext http, BadHttpRequestException bad)
    {
        if (bad.StatusCode == StatusCodes.Status413PayloadTooLarge)
            return new(bad.StatusCode, ProblemCodes.PayloadTooLarge, bad.Message);
        if (Find<JsonException>(bad) is { } json)
            return InvalidJson(json);
        if (bad.StatusCode == StatusCodes.Status415UnsupportedMediaType)
            return new(bad.StatusCode, ProblemCodes.UnsupportedMediaType, "Send the request body as application/json.");
        if (bad.StatusCode != StatusCodes.Status400BadRequest)
            return new(bad.StatusCode, ProblemCodes.ForStatus(bad.StatusCode), bad.Message);
        var bodyMissing = http.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == false
            || http.Request.ContentLength == 0
            || bad.Message.Contains("from body", StringComparison.Ordinal)
            || bad.Message.Contains("no body was provided", StringComparison.Ordinal);
        return bodyMissing
            ? new(StatusCodes.Status400BadRequest, ProblemCodes.InvalidRequest, "A JSON object is required as the request body.")
            : new(StatusCodes.Status400BadRequest, ProblemCodes.InvalidRequest, bad.Message);
    }

    /// <summary>Malformed JSON or a value of the wrong type; names the field when the reader knows it.</summary>
    static Answer InvalidJson(JsonException json)
    {
        var field = FieldOf(json.Path);
        return field is null
            ? new(StatusCodes.Status400BadRequest, ProblemCodes.InvalidJson, "The request body is not valid JSON.")
            : new(StatusCodes.Status400BadRequest, ProblemCodes.InvalidJson,
                $"The request body is not valid JSON, or '{field}' has the wrong type.",
                new() { [field] = ["The value is malformed or of the wrong type."] });
    }

    /// <summary>"$.price" → "price", "$.image_urls[2]" → "image_urls[2]", "$['a b']" → "a b"; null for the root.</summary>
    static string? FieldOf(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
            return null;
        var field = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        field = field.Replace("['", "", StringComparison.Ordinal).Replace("']", "", StringComparison.Ordinal);
        return field.Length == 0 ? null : field;
    }

    static bool IsDependencyDown(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException pg:
                    // 08 connection exception, 53 insufficient resources, 57P0x shutdown / cannot connect now.
                    if (pg.SqlState.StartsWith("08", StringComparison.Ordinal) || pg.SqlState.StartsWith("53", StringComparison.Ordinal)
                        || pg.SqlState.StartsWith("57P", StringComparison.Ordinal))
                        return true;
                    return false;
                case NpgsqlException:
                case SocketException:
                case TimeoutException: // RedisTimeoutException too
                case RedisConnectionException:
                case MassTransit.RequestTimeoutException:
                    return true;
            }
        }
        return false;
    }

    static T? Find<T>(Exception exception) where T : Exception
    {
        for (var e = exception; e is not null; e = e.InnerException)
            if (e is T match)
                return match;
        return null;
    }
}
