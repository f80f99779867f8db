using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;
using SoukLoop.Api.Infrastructure;
using SoukLoop.Persistence;
using SoukLoop.Persistence.Model;
using SoukLoop.ServiceDefaults;

namespace SoukLoop.Api.Idempotency;

/// <summary>
/// API.md: every POST/PATCH accepts an optional Idempotency-Key; the same key from the same user within 24 h returns
/// the first answer and does the work once. Apply with <see cref="IdempotencyExtensions.WithIdempotency{TBuilder}"/>.
/// <list type="bullet">
/// <item>The key is claimed (committed) before the handler runs, so a concurrent duplicate gets 409 idempotency_in_progress.</item>
/// <item>The handler then runs inside a transaction on the request's <see cref="SoukDbContext"/>; a 2xx answer is stored in
/// that same transaction, so the work and its stored answer commit together (a crash in between leaves neither, and a
/// retry after <see cref="IdempotencyOptions.InProgressTimeout"/> runs it again). Handlers behind this filter must not
/// begin a transaction of their own (check <c>db.Database.CurrentTransaction</c>).</item>
/// <item>Non-2xx answers roll the handler's work back; 4xx answers are still stored and replayed (except 401, 403, 408,
/// 429), 5xx answers and exceptions give the key back.</item>
/// <item>The same key with a different request (method, path, query or body) → 422 idempotency_key_reused.</item>
/// </list>
/// Requests without the header, or by anonymous callers (the key is per user), run as usual.
/// </summary>
public sealed class IdempotencyFilter(
    IOptions<JsonOptions> jsonOptions,
    IOptions<IdempotencyOptions> options,
    TimeProvider time,
    ILogger<IdempotencyFilter> log) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var header = http.Request.Headers[IdempotencyOptions.HeaderName];
        if (header.Count == 0)
            return await next(context);
        var userId = http.User.UserId();
        if (userId == Guid.Empty)
            return await next(context);

        if (header.Count > 1 || header[0] is not { } key || string.IsNullOrWhiteSpace(key)
            || key.Length > IdempotencyOptions.MaxKeyLength || key.Any(char.IsControl))
            return Problems.BadRequest(ProblemCodes.InvalidIdempotencyKey,
                $"The {IdempotencyOptions.HeaderName} header must be one non-blank value of at most {IdempotencyOptions.MaxKeyLength} characters.");

        var db = http.RequestServices.GetRequiredService<SoukDbContext>();
        var store = new IdempotencyStore(db, time, options.Value);
        var claim = await store.ClaimAsync(userId, key, RequestHash(context), http.RequestAborted);
        return claim.Outcome switch
        {
            ClaimOutcome.Claimed => await RunAsync(context, next, db, store, userId, key),
            ClaimOutcome.Replay => StoredResponse.From(claim.Record!),
            ClaimOutcome.Mismatch => Problems.Unprocessable(ProblemCodes.IdempotencyKeyReused,
                $"This {IdempotencyOptions.HeaderName} was already used for a different request. Use a new key for a new request."),
            _ => Problems.Conflict(ProblemCodes.IdempotencyInProgress,
                $"A request with this {IdempotencyOptions.HeaderName} is still being processed. Retry shortly.")
        };
    }

    async Task<object?> RunAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next,
        SoukDbContext db, IdempotencyStore store, Guid userId, string key)
    {
        var http = context.HttpContext;
        StoredResponse response;
        await using (var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None))
        {
            try
            {
                response = await StoredResponse.CaptureAsync(http, await next(context));
                if (IsSuccess(response.StatusCode))
                {
                    await store.CompleteAsync(userId, key, response.StatusCode, response.BodyText, response.Location);
                    await transaction.CommitAsync(CancellationToken.None);
                }
                else
                {
                    await transaction.RollbackAsync(CancellationToken.None);
                }
            }
            catch
            {
                await GiveBackAsync(transaction, store, userId, key);
                throw;
            }
        }

        if (!IsSuccess(response.StatusCode))
        {
            if (IsReplayable(response.StatusCode))
                await store.CompleteAsync(userId, key, response.StatusCode, response.BodyText, response.Location);
            else
                await store.ReleaseAsync(userId, key);
        }
        return response;
    }

    async Task GiveBackAsync(IDbContextTransaction transaction, IdempotencyStore store, Guid userId, string key)
    {
        try
        {
            await transaction.RollbackAsync(CancellationToken.None);
            await store.ReleaseAsync(userId, key);
        }
        catch (Exception ex)
        {
            // The database is likely gone too; the claim times out by itself (InProgressTimeout).
            log.LogWarning(ex, "Could not release Idempotency-Key {Key} of user {UserId}", key, userId);
        }
    }

    static bool IsSuccess(int status) => status is >= 200 and < 300;

    static bool IsReplayable(int status) => status is >= 400 and < 500
        and not StatusCodes.Status401Unauthorized and not StatusCodes.Status403Forbidden
        and not StatusCodes.Status408RequestTimeout and not StatusCodes.Status429TooManyRequests;

    /// <summary>SHA-256 of method, path, query and the bound JSON body (re-serialised, so formatting does not matter).</summary>
    string RequestHash(EndpointFilterInvocationContext context)
    {
        var request = context.HttpContext.Request;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(
            $"{request.Method} {request.PathBase}{request.Path}{request.QueryString}\n".ToLowerInvariant()));
        var bodyType = context.HttpContext.GetEndpoint()?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType;
        var body = bodyType is null ? null : context.Arguments.FirstOrDefault(a => a is not null && a.GetType() == bodyType);
        if (body is not null)
            hash.AppendData(JsonSerializer.SerializeToUtf8Bytes(body, bodyType!, jsonOptions.Value.SerializerOptions));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}

/// <summary>An answer captured as bytes: written out now, and replayed later from its <see cref="IdempotencyRecord"/>.</summary>
public sealed class StoredResponse(int statusCode, string? location, string? contentType, byte[] body, bool replayed) : IResult
{
    public int StatusCode => statusCode;
    public string? Location => location;
    public string? BodyText => body.Length == 0 ? null : Encoding.UTF8.GetString(body);

    public static async Task<StoredResponse> CaptureAsync(HttpContext http, object? result)
    {
        var executable = result as IResult ?? (result is null ? TypedResults.Empty : TypedResults.Ok(result));
        var original = http.Response.Body;
        using var buffer = new MemoryStream();
        http.Response.Body = buffer;
        try
        {
            await executable.ExecuteAsync(http);
        }
        finally
        {
            http.Response.Body = original;
        }
        return new(http.Response.StatusCode, http.Response.Headers.Location.ToString() is { Length: > 0 } l ? l : null,
            http.Response.ContentType, buffer.ToArray(), replayed: false);
    }

    public static StoredResponse From(IdempotencyRecord record)
    {
        var body = record.ResponseBody is null ? [] : Encoding.UTF8.GetBytes(record.ResponseBody);
        var contentType = body.Length == 0 ? null
            : record.StatusCode >= 400 ? ProblemConventions.ContentType : "application/json; charset=utf-8";
        return new(record.StatusCode, record.Location, contentType, body, replayed: true);
    }

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = statusCode;
        if (location is not null)
            response.Headers.Location = location;
        if (contentType is not null)
            response.ContentType = contentType;
        if (replayed)
            response.Headers[IdempotencyOptions.ReplayedHeaderName] = "true";
        if (body.Length > 0)
        {
            response.ContentLength = body.Length;
            await response.Body.WriteAsync(body, httpContext.RequestAborted);
        }
    }
}
