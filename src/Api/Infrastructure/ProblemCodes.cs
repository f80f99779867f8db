namespace SoukLoop.Api.Infrastructure;

/// <summary>The stable, machine-readable `code` of every problem+json answer (API.md "Conventions").</summary>
public static class ProblemCodes
{
    // Generic, derived from the status when an answer names no code of its own.
    public const string InvalidRequest = "invalid_request";
    public const string Unauthorized = "unauthorized";
    public const string Forbidden = "forbidden";
    public const string NotFound = "not_found";
    public const string MethodNotAllowed = "method_not_allowed";
    public const string NotAcceptable = "not_acceptable";
    public const string Conflict = "conflict";
    public const string PayloadTooLarge = "payload_too_large";
    public const string UnsupportedMediaType = "unsupported_media_type";
    public const string Unprocessable = "unprocessable";
    public const string RateLimited = "rate_limited";
    public const string InternalError = "internal_error";
    public const string DependencyUnavailable = "dependency_unavailable";

    // Input.
    public const string InvalidJson = "invalid_json";
    public const string ValidationFailed = "validation_failed";

    // Accounts.
    public const string EmailTaken = "email_taken";
    public const string InvalidCredentials = "invalid_credentials";

    // Listings.
    public const string ProductNotFound = "product_not_found";

    // Idempotency-Key.
    public const string InvalidIdempotencyKey = "invalid_idempotency_key";
    public const string IdempotencyKeyReused = "idempotency_key_reused";
    public const string IdempotencyInProgress = "idempotency_in_progress";

    public static string ForStatus(int status) => status switch
    {
        400 => InvalidRequest,
        401 => Unauthorized,
        403 => Forbidden,
        404 => NotFound,
        405 => MethodNotAllowed,
        406 => NotAcceptable,
        409 => Conflict,
        413 => PayloadTooLarge,
        415 => UnsupportedMediaType,
        422 => Unprocessable,
        429 => RateLimited,
        503 => DependencyUnavailable,
        >= 500 => InternalError,
        _ => InvalidRequest
    };
}
