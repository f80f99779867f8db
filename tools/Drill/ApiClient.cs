using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SoukLoop.Drill;

public record ApiAnswer(int Status, JsonNode? Body)
{
    public bool Ok => Status is 200 or 201 or 202;
    public string? Code => JsonText.Of(Body?["code"]);
}

/// <summary>
/// The app's HTTP behaviour (API.md "Conventions"): a write carries an Idempotency-Key and, on a network error, a timeout, a
/// 5xx, 409 idempotency_in_progress or 429, is sent again with the same key (and the same client_message_id) until
/// <see cref="DrillOptions.RetryFor"/> has passed; a 202 is followed to its location. Every write comes with its ledger record.
/// </summary>
public sealed class ApiClient(HttpClient http, DrillOptions options, ILogger<ApiClient> logger)
{
    public static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    public string BaseUrl => options.ApiUrl;

    /// <summary>A write: recorded, retried with the same key, the final answer kept.</summary>
    public async Task<ApiAnswer> CommandAsync(CommandRecord record, string? token, HttpMethod method, object? body, CancellationToken ct)
    {
        var answer = await SendWithRetryAsync(token, method, record.Path, body, record.IdempotencyKey, record, ct);
        CommandLedger.Finish(record, answer.Status, answer.Body);
        return answer;
    }

    /// <summary>A read, retried through outages like the app's pull-to-refresh would be.</summary>
    public Task<ApiAnswer> GetAsync(string? token, string path, CancellationToken ct) =>
        SendWithRetryAsync(token, HttpMethod.Get, path, null, null, null, ct);

    /// <summary>One read, no retry: for probes.</summary>
    public async Task<ApiAnswer> TryOnceAsync(string? token, HttpMethod method, string path, object? body, CancellationToken ct)
    {
        try
        {
            return await SendOnceAsync(token, method, path, body, null, ct);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return new ApiAnswer(0, null);
        }
    }

    /// <summary>Polls a 202's location until <paramref name="done"/> holds or <paramref name="within"/> passes (the app's spinner).</summary>
    public async Task<ApiAnswer> FollowAsync(string? token, string location, Func<ApiAnswer, bool> done, TimeSpan within, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + within;
        var last = new ApiAnswer(0, null);
        while (DateTime.UtcNow < deadline && !ct.IsCancellationRequested)
        {
            last = await TryOnceAsync(token, HttpMethod.Get, location, null, ct);
            if (done(last))
                return last;
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
        }
        return last;
    }

    async Task<ApiAnswer> SendWithRetryAsync(string? token, HttpMethod method, string path, object? body, string? key, CommandRecord? record,
        CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + options.RetryFor;
        var delay = TimeSpan.FromMilliseconds(300);
        while (true)
        {
            ApiAnswer answer;
            if (record != null)
                record.Attempts++;
            try
            {
                answer = await SendOnceAsync(token, method, path, body, key, ct);
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !ct.IsCancellationRequested)
            {
                if (record != null)
                    record.NetworkErrors++;
                answer = new ApiAnswer(0, null);
            }
            var retry = answer.Status is 0 or 500 or 502 or 503 or 504 or 429
                        || answer is { Status: 409, Code: "idempotency_in_progress" };
            if (!retry || DateTime.UtcNow > deadline || ct.IsCancellationRequested)
                return answer;
            if (record != null && answer.Status >= 500)
                record.ServerErrors++;
            logger.LogDebug("{Method} {Path}: {Status} {Code}, retrying", method, path, answer.Status, answer.Code);
            await Task.Delay(delay, CancellationToken.None);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 4000));
        }
    }

    async Task<ApiAnswer> SendOnceAsync(string? token, HttpMethod method, string path, object? body, string? key, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path.StartsWith("http", StringComparison.Ordinal) ? path : options.ApiUrl + path);
        if (token != null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (key != null)
            request.Headers.Add("Idempotency-Key", key);
        if (body != null)
            request.Content = JsonContent.Create(body, options: Json);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(RequestTimeout);
        using var response = await http.SendAsync(request, timeout.Token);
        var text = await response.Content.ReadAsStringAsync(timeout.Token);
        JsonNode? node = null;
        if (text.Length > 0)
        {
            try
            {
                node = JsonNode.Parse(text);
            }
            catch (JsonException)
            {
                node = new JsonObject { ["raw"] = text.Length > 200 ? text[..200] : text };
            }
        }
        return new ApiAnswer((int)response.StatusCode, node);
    }

    public static bool IsStatus(ApiAnswer answer, HttpStatusCode status) => answer.Status == (int)status;
}
