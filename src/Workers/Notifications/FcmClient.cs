using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SoukLoop.Workers.Notifications;

public enum PushOutcome
{
    Sent,
    /// <summary>FCM says the token is dead (UNREGISTERED) or not a token (INVALID_ARGUMENT): remove the device.</summary>
    InvalidToken
}

public record PushResult(PushOutcome Outcome, string? Name, string? ErrorCode);

/// <summary>FCM's HTTP v1 API: one <c>messages:send</c> per device. 429 and 5xx are retried by the resilience handler.</summary>
public class FcmClient(HttpClient http, FcmAuth auth, ILogger<FcmClient> logger)
{
    public async Task<PushResult> SendAsync(JsonObject message, CancellationToken cancellationToken)
    {
        var token = await auth.AccessTokenAsync(cancellationToken);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"v1/projects/{Uri.EscapeDataString(auth.ProjectId)}/messages:send")
        {
            Content = JsonContent.Create(new JsonObject { ["message"] = message })
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);

        using var response = await http.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            var name = JsonNode.Parse(body)?["name"]?.GetValue<string>();
            return new PushResult(PushOutcome.Sent, name, null);
        }

        var (status, errorCode, text) = ParseError(body);
        if (IsDeadToken(response.StatusCode, errorCode, text))
        {
            logger.LogInformation("FCM refused the device token ({Status} {ErrorCode}): removing it", (int)response.StatusCode, errorCode ?? status);
            return new PushResult(PushOutcome.InvalidToken, null, errorCode ?? status);
        }
        throw new FcmException(response.StatusCode, errorCode ?? status, text ?? body);
    }

    static bool IsDeadToken(HttpStatusCode status, string? errorCode, string? message) =>
        errorCode == "UNREGISTERED"
        || (status == HttpStatusCode.BadRequest && errorCode == "INVALID_ARGUMENT"
            && (message == null || message.Contains("token", StringComparison.OrdinalIgnoreCase)))
        || errorCode == "SENDER_ID_MISMATCH";

    static (string? Status, string? ErrorCode, string? Message) ParseError(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (!doc.RootElement.TryGetProperty("error", out var error) || error.ValueKind != JsonValueKind.Object)
                return (null, null, null);
            var status = error.TryGetProperty("status", out var s) ? s.GetString() : null;
            var message = error.TryGetProperty("message", out var m) ? m.GetString() : null;
            string? code = null;
            if (error.TryGetProperty("details", out var details) && details.ValueKind == JsonValueKind.Array)
                foreach (var detail in details.EnumerateArray())
                    if (detail.TryGetProperty("errorCode", out var c))
                        code = c.GetString();
            return (status, code, message);
        }
        catch (JsonException)
        {
            return (null, null, null);
        }
    }
}

public class FcmException(HttpStatusCode status, string? code, string message)
    : Exception($"FCM answered {(int)status} {code}: {message}")
{
    public HttpStatusCode Status { get; } = status;
    public string? Code { get; } = code;
}
