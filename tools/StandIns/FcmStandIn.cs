using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SoukLoop.StandIns;

public class FcmStandInOptions
{
    /// <summary>The service account the stand-in trusts (its key verifies the JWT assertions); JSON, or a path to it.</summary>
    public string? ServiceAccountJson { get; set; }
    public string? ServiceAccountFile { get; set; }
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(1);
}

public record FcmAssertion(string Jwt, JsonObject Header, JsonObject Claims, bool Valid, string? Problem);

public record FcmReceived(DateTime At, string Project, string Token, JsonObject Message, int Status, string? ErrorCode);

/// <summary>
/// FCM HTTP v1 as seen by a sender: the Google OAuth token endpoint (JWT-bearer grant; the assertion must be an RS256 JWT signed
/// with the service account's key, issued by its client_email, for the firebase.messaging scope and this endpoint as audience)
/// and <c>POST /v1/projects/{project}/messages:send</c> with FCM's error shapes: UNREGISTERED and INVALID_ARGUMENT tokens,
/// 429 QUOTA_EXCEEDED with Retry-After and 503 UNAVAILABLE on demand. Every message and assertion is recorded for tests.
/// </summary>
public sealed class FcmStandIn
{
    const string Scope = "https://www.googleapis.com/auth/firebase.messaging";
    public const string GoogleTokenAudience = "https://oauth2.googleapis.com/token";
    readonly RSA _key;
    readonly string _clientEmail;
    readonly string? _keyId;
    readonly TimeSpan _lifetime;
    readonly ConcurrentDictionary<string, DateTime> _accessTokens = new();
    readonly ConcurrentQueue<FcmReceived> _received = new();
    readonly ConcurrentQueue<FcmAssertion> _assertions = new();
    readonly ConcurrentDictionary<string, string> _badTokens = new();
    int _throttle;
    int _unavailable;
    int _retryAfterSeconds = 1;

    public FcmStandIn(FcmStandInOptions options)
    {
        var json = options.ServiceAccountJson ?? (options.ServiceAccountFile != null ? File.ReadAllText(options.ServiceAccountFile) : null)
            ?? throw new InvalidOperationException("StandIns:Fcm:ServiceAccountJson or ServiceAccountFile is required.");
        var sa = JsonNode.Parse(json)!;
        _clientEmail = (string)sa["client_email"]!;
        _keyId = (string?)sa["private_key_id"];
        _key = RSA.Create();
        _key.ImportFromPem((string)sa["private_key"]!);
        _lifetime = options.TokenLifetime;
    }

    public IReadOnlyList<FcmReceived> Received => _received.ToArray();
    public IReadOnlyList<FcmReceived> Delivered => _received.Where(r => r.Status == 200).ToArray();
    public IReadOnlyList<FcmAssertion> Assertions => _assertions.ToArray();

    /// <summary>The app was uninstalled: FCM answers 404 UNREGISTERED for this token from now on.</summary>
    public void Unregister(string token) => _badTokens[token] = "UNREGISTERED";

    /// <summary>Not a registration token at all: 400 INVALID_ARGUMENT.</summary>
    public void MakeInvalid(string token) => _badTokens[token] = "INVALID_ARGUMENT";

    /// <summary>The next <paramref name="count"/> sends get 429 QUOTA_EXCEEDED with <c>Retry-After</c>.</summary>
    public void Throttle(int count, int retryAfterSeconds = 1)
    {
        _retryAfterSeconds = retryAfterSeconds;
        Interlocked.Exchange(ref _throttle, count);
    }

    /// <summary>The next <paramref name="count"/> sends get 503 UNAVAILABLE.</summary>
    public void Unavailable(int count) => Interlocked.Exchange(ref _unavailable, count);

    public void Clear() => _received.Clear();

    public static WebApplication Create(WebApplicationBuilder builder, FcmStandInOptions options, out FcmStandIn standIn)
    {
        var created = new FcmStandIn(options);
        builder.Services.AddSingleton(created);
        var app = builder.Build();
        standIn = created;
        created.Map(app);
        app.Lifetime.ApplicationStarted.Register(() => app.Logger.LogWarning(
            "FCM STAND-IN listening on {Urls}: token endpoint /token, messages at /v1/projects/{{project}}/messages:send, service account {Account}",
            string.Join(", ", app.Urls), created._clientEmail));
        return app;
    }

    void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/health/live", () => Results.Ok());
        app.MapGet("/health/ready", () => Results.Ok());
        app.MapPost("/token", Token);
        app.MapPost("/v1/projects/{project}/{action}", Send);
        app.MapGet("/_test/messages", () => Results.Json(Received));
        app.MapPost("/_test/tokens/{token}/unregister", (string token) => { Unregister(token); return Results.NoContent(); });
        app.MapPost("/_test/throttle", (int? count, int? retryAfter) => { Throttle(count ?? 1, retryAfter ?? 1); return Results.NoContent(); });
    }

    async Task<IResult> Token(HttpRequest request)
    {
        if (!request.HasFormContentType)
            return OAuthError("invalid_request", "Expected a form body.");
        var form = await request.ReadFormAsync();
        if (form["grant_type"] != "urn:ietf:params:oauth:grant-type:jwt-bearer")
            return OAuthError("unsupported_grant_type", "Invalid grant_type: " + form["grant_type"]);
        var jwt = form["assertion"].ToString();
        var audience = $"{request.Scheme}://{request.Host}{request.PathBase}{request.Path}";
        var (header, claims, problem) = Verify(jwt, audience);
        _assertions.Enqueue(new FcmAssertion(jwt, header ?? [], claims ?? [], problem == null, problem));
        if (problem != null)
            return OAuthError("invalid_grant", problem);

        var token = "ya29.standin-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        _accessTokens[token] = DateTime.UtcNow + _lifetime;
        return Results.Json(new Dictionary<string, object>
        {
            ["access_token"] = token,
            ["expires_in"] = (int)_lifetime.TotalSeconds - 1,
            ["token_type"] = "Bearer"
        });
    }

    (JsonObject? Header, JsonObject? Claims, string? Problem) Verify(string jwt, string audience)
    {
        var parts = jwt.Split('.');
        if (parts.Length != 3)
            return (null, null, "The assertion is not a JWT.");
        JsonObject header, claims;
        try
        {
            header = JsonNode.Parse(Base64Url(parts[0]))!.AsObject();
            claims = JsonNode.Parse(Base64Url(parts[1]))!.AsObject();
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            return (null, null, "The assertion is not a JWT.");
        }
        if ((string?)header["alg"] != "RS256")
            return (header, claims, "The assertion must be signed with RS256.");
        if (_keyId != null && header["kid"] is { } kid && (string?)kid != _keyId)
            return (header, claims, "Unknown key id.");
        if (!_key.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), Base64Url(parts[2]), HashAlgorithmName.SHA256,
                RSASignaturePadding.Pkcs1))
            return (header, claims, "Invalid JWT Signature.");
        if ((string?)claims["iss"] != _clientEmail)
            return (header, claims, "Invalid issuer: not this service account.");
        if (((string?)claims["scope"] ?? "").Split(' ').All(s => s != Scope))
            return (header, claims, "The assertion does not ask for the firebase.messaging scope.");
        // Google documents the audience of a token request as always https://oauth2.googleapis.com/token (its libraries send
        // that even to another token endpoint); this endpoint's own URL is taken as well.
        var aud = (string?)claims["aud"];
        if (aud != GoogleTokenAudience && aud != audience)
            return (header, claims, $"Invalid JWT audience: expected {GoogleTokenAudience} or {audience}.");
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var iat = claims["iat"]?.GetValue<long>() ?? 0;
        var exp = claims["exp"]?.GetValue<long>() ?? 0;
        if (exp <= now || iat > now + 300 || exp - iat > 3600)
            return (header, claims, "Invalid JWT: token must be a short-lived token (60 minutes) and in a reasonable timeframe.");
        return (header, claims, null);
    }

    static byte[] Base64Url(string part)
    {
        var s = part.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + (4 - s.Length % 4) % 4, '='));
    }

    static IResult OAuthError(string error, string description) =>
        Results.Json(new Dictionary<string, string> { ["error"] = error, ["error_description"] = description }, statusCode: 400);

    async Task<IResult> Send(HttpContext http, string project, string action)
    {
        if (action != "messages:send")
            return FcmError(404, "NOT_FOUND", "Method not found.");
        var auth = http.Request.Headers.Authorization.ToString();
        if (!auth.StartsWith("Bearer ", StringComparison.Ordinal) || !_accessTokens.TryGetValue(auth[7..], out var expires) || expires < DateTime.UtcNow)
            return FcmError(401, "UNAUTHENTICATED",
                "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.");

        JsonObject? message;
        try
        {
            message = (await JsonNode.ParseAsync(http.Request.Body))?["message"]?.AsObject();
        }
        catch (JsonException)
        {
            return FcmError(400, "INVALID_ARGUMENT", "Invalid JSON payload received.");
        }
        var token = (string?)message?["token"];
        if (message == null || string.IsNullOrEmpty(token))
            return FcmError(400, "INVALID_ARGUMENT", "Exactly one of message.token, message.topic or message.condition must be set.");

        if (Interlocked.Decrement(ref _throttle) >= 0)
        {
            Record(project, token, message, 429, "QUOTA_EXCEEDED");
            http.Response.Headers.RetryAfter = _retryAfterSeconds.ToString();
            return FcmError(429, "RESOURCE_EXHAUSTED", "Quota exceeded for quota metric 'Send requests'.", "QUOTA_EXCEEDED");
        }
        if (Interlocked.Decrement(ref _unavailable) >= 0)
        {
            Record(project, token, message, 503, "UNAVAILABLE");
            http.Response.Headers.RetryAfter = "1";
            return FcmError(503, "UNAVAILABLE", "The service is currently unavailable.", "UNAVAILABLE");
        }
        if (_badTokens.TryGetValue(token, out var bad))
        {
            Record(project, token, message, bad == "UNREGISTERED" ? 404 : 400, bad);
            return bad == "UNREGISTERED"
                ? FcmError(404, "NOT_FOUND", "Requested entity was not found.", "UNREGISTERED")
                : FcmError(400, "INVALID_ARGUMENT", "The registration token is not a valid FCM registration token", "INVALID_ARGUMENT");
        }

        Record(project, token, message, 200, null);
        return Results.Json(new Dictionary<string, string> { ["name"] = $"projects/{project}/messages/{RandomNumberGenerator.GetInt32(int.MaxValue)}" });
    }

    void Record(string project, string token, JsonObject message, int status, string? code) =>
        _received.Enqueue(new FcmReceived(DateTime.UtcNow, project, token, (JsonObject)message.DeepClone(), status, code));

    static IResult FcmError(int code, string status, string message, string? errorCode = null)
    {
        var error = new JsonObject { ["code"] = code, ["message"] = message, ["status"] = status };
        if (errorCode != null)
            error["details"] = new JsonArray(new JsonObject
            {
                ["@type"] = "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                ["errorCode"] = errorCode
            });
        return Results.Text(new JsonObject { ["error"] = error }.ToJsonString(StandInJson.Wire), "application/json", Encoding.UTF8, code);
    }
}
