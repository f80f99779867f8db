using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace SoukLoop.StandIns;

public class StripeStandInOptions
{
    /// <summary>The one secret key the stand-in accepts (Bearer, or Basic with the key as user name).</summary>
    public string SecretKey { get; set; } = "sk_test_souk_stand_in";
    public string WebhookSecret { get; set; } = "whsec_souk_stand_in";
    /// <summary>Where events are POSTed, signed like Stripe signs them; none: events are only recorded.</summary>
    public string? WebhookUrl { get; set; }
    public string ApiVersion { get; set; } = "2025-09-30.clover";
    public int WebhookAttempts { get; set; } = 5;
    public TimeSpan WebhookRetryDelay { get; set; } = TimeSpan.FromSeconds(1);
}

public record StripeRequest(DateTime At, string Method, string Path, string? IdempotencyKey, bool Replayed, int Status,
    IReadOnlyDictionary<string, string> Form);

public record SignedEvent(string Id, string Type, string Payload, string SignatureHeader, long Timestamp);

public record WebhookDelivery(string EventId, string Type, int Attempt, int? Status, DateTime At);

/// <summary>An outage: the next <paramref name="Remaining"/> API calls whose path starts with <paramref name="PathPrefix"/> answer <paramref name="Status"/>.</summary>
public record InjectedFailure(int Status, int Remaining, string PathPrefix);

/// <summary>
/// The parts of Stripe's HTTP API Souk Loop calls, with Stripe's wire format: form-encoded POSTs with bracketed keys, JSON objects
/// with <c>object</c>/<c>id</c>, Stripe error bodies (400/401/402/404), secret-key auth, Idempotency-Key replay (same key and
/// parameters → the first response again, with <c>Idempotent-Replayed: true</c>; other parameters → 400 idempotency_error), and
/// signed webhooks (<c>Stripe-Signature: t=…,v1=HMAC-SHA256(secret, "{t}.{payload}")</c>) delivered in order, retried on failure.
/// Test hooks under <c>/_test</c> drive payments: <c>POST /_test/payment_intents/{id}/succeed|fail</c>, and faults:
/// <c>POST /_test/failures?count=N&amp;status=429|5xx&amp;path=/v1/…</c> (an outage), <c>POST /_test/idempotency/forget</c> (keys expired).
/// </summary>
public sealed class StripeStandIn(StripeStandInOptions options, ILogger<StripeStandIn> logger)
{
    readonly ConcurrentDictionary<string, JsonObject> _intents = new();
    readonly ConcurrentDictionary<string, JsonObject> _transfers = new();
    readonly Dictionary<string, (string Fingerprint, int Status, string Body)> _idempotency = new();
    readonly SemaphoreSlim _lock = new(1, 1);
    readonly Channel<SignedEvent> _webhooks = Channel.CreateUnbounded<SignedEvent>();
    readonly ConcurrentQueue<StripeRequest> _requests = new();
    readonly ConcurrentQueue<SignedEvent> _events = new();
    readonly ConcurrentQueue<WebhookDelivery> _deliveries = new();
    InjectedFailure? _failure;

    public StripeStandInOptions Options => options;

    /// <summary>Delivers a webhook instead of an HTTP POST to WebhookUrl (tests hand it to an in-process Api); returns the status.</summary>
    public Func<SignedEvent, CancellationToken, Task<int>>? Deliverer { get; set; }
    public IReadOnlyCollection<StripeRequest> Requests => _requests.ToArray();
    public IReadOnlyCollection<SignedEvent> Events => _events.ToArray();
    public IReadOnlyCollection<WebhookDelivery> Deliveries => _deliveries.ToArray();
    public IReadOnlyCollection<JsonObject> PaymentIntents => _intents.Values.Select(v => (JsonObject)v.DeepClone()).ToArray();
    public IReadOnlyCollection<JsonObject> Transfers => _transfers.Values.Select(v => (JsonObject)v.DeepClone()).ToArray();

    /// <summary>
    /// Stripe is unavailable: the next <paramref name="count"/> calls under <paramref name="pathPrefix"/> (default every <c>/v1</c> call)
    /// answer <paramref name="status"/> with Stripe's error body (429 <c>rate_limit</c>, 5xx <c>api_error</c>) and change nothing.
    /// </summary>
    public void FailNext(int count, int status = 500, string pathPrefix = "/v1")
    {
        if (status is not (429 or >= 500 and <= 599))
            throw new ArgumentOutOfRangeException(nameof(status), "429 or 5xx");
        lock (_requests)
            _failure = count > 0 ? new InjectedFailure(status, count, pathPrefix) : null;
    }

    /// <summary>Stripe is back: no more injected failures.</summary>
    public void Recover() => FailNext(0);

    /// <summary>Stripe keeps idempotency keys for 24 hours: this drops every stored key, as if a day had passed.</summary>
    public void ForgetIdempotencyKeys()
    {
        _lock.Wait();
        try { _idempotency.Clear(); }
        finally { _lock.Release(); }
    }

    bool TakeFailure(string path, out int status)
    {
        lock (_requests)
        {
            status = 0;
            if (_failure is not { } f || !path.StartsWith(f.PathPrefix, StringComparison.Ordinal))
                return false;
            status = f.Status;
            _failure = f.Remaining > 1 ? f with { Remaining = f.Remaining - 1 } : null;
            return true;
        }
    }

    public static WebApplication Create(WebApplicationBuilder builder, StripeStandInOptions options, out StripeStandIn standIn)
    {
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<StripeStandIn>();
        builder.Services.AddHttpClient(nameof(StripeStandIn));
        builder.Services.AddHostedService<WebhookSender>();
        var app = builder.Build();
        standIn = app.Services.GetRequiredService<StripeStandIn>();
        standIn.Map(app);
        app.Lifetime.ApplicationStarted.Register(() => app.Logger.LogWarning(
            "STRIPE STAND-IN listening on {Urls} (key {Key}); webhooks signed with {Secret} to {WebhookUrl}. Not Stripe: no money moves.",
            string.Join(", ", app.Urls), options.SecretKey, options.WebhookSecret, options.WebhookUrl ?? "(nowhere, recorded only)"));
        return app;
    }

    void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/payment_intents", (HttpContext http, CancellationToken _) => Api(http, CreateIntent));
        app.MapGet("/v1/payment_intents/search", (HttpContext http, CancellationToken _) => Api(http, form => Task.FromResult(SearchIntents(form))));
        app.MapGet("/v1/payment_intents/{id}", (HttpContext http, string id) => Api(http, _ => Task.FromResult(GetIntent(id))));
        app.MapPost("/v1/payment_intents/{id}/cancel", (HttpContext http, string id) => Api(http, form => CancelIntent(id, form)));
        app.MapPost("/v1/payment_intents/{id}/confirm", (HttpContext http, string id) => Api(http, form => ConfirmIntent(id, form)));
        app.MapPost("/v1/transfers", (HttpContext http, CancellationToken _) => Api(http, CreateTransfer));
        app.MapGet("/v1/transfers", (HttpContext http, CancellationToken _) => Api(http, form => Task.FromResult(ListTransfers(form))));
        app.MapGet("/v1/transfers/{id}", (HttpContext http, string id) => Api(http, _ => Task.FromResult(
            _transfers.TryGetValue(id, out var t) ? (200, t.ToJsonString(StandInJson.Wire)) : Missing("transfer", id, "transfer"))));

        app.MapGet("/health/live", () => Results.Ok());
        app.MapGet("/health/ready", () => Results.Ok());
        var test = app.MapGroup("/_test");
        test.MapPost("/payment_intents/{id}/succeed", (string id, bool? deliver) => Hook(Succeed(id, deliver ?? true)));
        test.MapPost("/payment_intents/{id}/fail", (string id, bool? deliver) => Hook(Fail(id, deliver ?? true)));
        test.MapGet("/payment_intents", () => Results.Json(PaymentIntents));
        test.MapGet("/transfers", () => Results.Json(Transfers));
        test.MapGet("/requests", () => Results.Json(Requests));
        test.MapGet("/events", () => Results.Json(Events));
        test.MapGet("/webhook_deliveries", () => Results.Json(Deliveries));
        test.MapPost("/failures", (int count, int? status, string? path) =>
        {
            if (count < 0 || status is { } s && s is not (429 or >= 500 and <= 599))
                return Results.Json(new { error = new { type = "invalid_request_error", message = "count >= 0; status 429 or 5xx." } }, statusCode: 400);
            FailNext(count, status ?? 500, path ?? "/v1");
            return Results.Json(_failure);
        });
        test.MapDelete("/failures", () =>
        {
            Recover();
            return Results.NoContent();
        });
        test.MapPost("/idempotency/forget", () =>
        {
            ForgetIdempotencyKeys();
            return Results.NoContent();
        });
    }

    static IResult Hook(SignedEvent? e) => e == null
        ? Results.Json(new { error = new { type = "invalid_request_error", message = "No such payment_intent, or it is not in a state for that." } },
            statusCode: 404)
        : Results.Json(new { id = e.Id, type = e.Type, stripe_signature = e.SignatureHeader, payload = JsonNode.Parse(e.Payload) });

    // ------------------------------------------------------------------ request pipeline: auth, form, idempotency

    async Task<IResult> Api(HttpContext http, Func<Dictionary<string, string>, Task<(int Status, string Body)>> handler)
    {
        var request = http.Request;
        if (!Authorized(request.Headers.Authorization.ToString()))
            return Json(http, 401, Error("invalid_request_error", $"Invalid API Key provided: {MaskedKey(request.Headers.Authorization.ToString())}"));

        var form = new Dictionary<string, string>(StringComparer.Ordinal);
        if (request.HasFormContentType)
            foreach (var (name, value) in await request.ReadFormAsync())
                form[name] = value.ToString();
        else if (HttpMethods.IsGet(request.Method))
            foreach (var (name, value) in request.Query)
                form[name] = value.ToString();

        if (TakeFailure(request.Path, out var outage))
        {
            // What Stripe answers when it sheds load or fails inside: nothing is processed and the key is not stored.
            Record(request, request.Headers["Idempotency-Key"].ToString() is { Length: > 0 } failedKey ? failedKey : null, false, outage, form);
            return Json(http, outage, outage == 429
                ? Error("invalid_request_error", "Too many requests hit the API too quickly. We recommend an exponential backoff of your requests.",
                    code: "rate_limit")
                : Error("api_error", "An unknown error occurred while processing your request."));
        }

        var key = request.Headers["Idempotency-Key"].ToString();
        if (!HttpMethods.IsPost(request.Method) || string.IsNullOrEmpty(key))
        {
            var (status, body) = await handler(form);
            Record(request, null, false, status, form);
            return Json(http, status, body);
        }

        var fingerprint = request.Method + " " + request.Path + "?" + string.Join("&", form.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => $"{p.Key}={p.Value}"));
        await _lock.WaitAsync();
        try
        {
            if (_idempotency.TryGetValue(key, out var earlier))
            {
                if (earlier.Fingerprint != fingerprint)
                {
                    Record(request, key, false, 400, form);
                    return Json(http, 400, Error("idempotency_error",
                        $"Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{key}' if you meant to execute a different request."));
                }
                Record(request, key, true, earlier.Status, form);
                http.Response.Headers["Idempotent-Replayed"] = "true";
                http.Response.Headers["Original-Request"] = "req_standin";
                return Json(http, earlier.Status, earlier.Body);
            }
            var (status, body) = await handler(form);
            // Stripe keeps the result of every request that got as far as being processed, errors included (not 401/429/5xx).
            if (status is not (401 or 429 or >= 500))
                _idempotency[key] = (fingerprint, status, body);
            Record(request, key, false, status, form);
            return Json(http, status, body);
        }
        finally
        {
            _lock.Release();
        }
    }

    bool Authorized(string header)
    {
        if (header.StartsWith("Bearer ", StringComparison.Ordinal))
            return header[7..].Trim() == options.SecretKey;
        if (header.StartsWith("Basic ", StringComparison.Ordinal))
        {
            try
            {
                var user = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim())).Split(':')[0];
                return user == options.SecretKey;
            }
            catch (FormatException) { return false; }
        }
        return false;
    }

    static string MaskedKey(string header)
    {
        var key = header.StartsWith("Bearer ", StringComparison.Ordinal) ? header[7..].Trim() : "";
        return key.Length > 8 ? $"{key[..7]}********{key[^4..]}" : "(none)";
    }

    void Record(HttpRequest request, string? key, bool replayed, int status, Dictionary<string, string> form) =>
        _requests.Enqueue(new StripeRequest(DateTime.UtcNow, request.Method, request.Path, key, replayed, status, form));

    static IResult Json(HttpContext http, int status, string body)
    {
        http.Response.Headers["Request-Id"] = "req_" + RandomId(14);
        http.Response.Headers["Stripe-Version"] = http.Request.Headers["Stripe-Version"].ToString() is { Length: > 0 } v ? v : "standin";
        return Results.Text(body, "application/json", Encoding.UTF8, status);
    }

    static string Error(string type, string message, string? param = null, string? code = null, JsonObject? extra = null)
    {
        var error = new JsonObject { ["type"] = type, ["message"] = message };
        if (param != null)
            error["param"] = param;
        if (code != null)
            error["code"] = code;
        if (extra != null)
            foreach (var (k, v) in extra)
                error[k] = v?.DeepClone();
        return new JsonObject { ["error"] = error }.ToJsonString(StandInJson.Wire);
    }

    static (int, string) Invalid(string message, string? param = null, string? code = null) =>
        (400, Error("invalid_request_error", message, param, code));

    static (int, string) Missing(string what, string id, string param) =>
        (404, Error("invalid_request_error", $"No such {what}: '{id}'", param, "resource_missing"));

    // ------------------------------------------------------------------ payment intents

    Task<(int, string)> CreateIntent(Dictionary<string, string> form)
    {
        if (!form.TryGetValue("amount", out var rawAmount))
            return Task.FromResult(Invalid("Missing required param: amount.", "amount", "parameter_missing"));
        if (!long.TryParse(rawAmount, out var amount) || amount < 1)
            return Task.FromResult(Invalid("Invalid integer: " + rawAmount, "amount", "parameter_invalid_integer"));
        if (!form.TryGetValue("currency", out var currency) || currency.Length != 3 || !currency.All(char.IsAsciiLetterLower))
            return Task.FromResult(Invalid("Missing or invalid currency: a three-letter ISO code in lowercase.", "currency",
                currency == null ? "parameter_missing" : "parameter_invalid"));

        var destination = form.GetValueOrDefault("transfer_data[destination]");
        if (destination != null && !destination.StartsWith("acct_", StringComparison.Ordinal))
            return Task.FromResult(Invalid($"No such destination: '{destination}'", "transfer_data[destination]", "resource_missing"));
        long? fee = null;
        if (form.TryGetValue("application_fee_amount", out var rawFee))
        {
            if (destination == null)
                return Task.FromResult(Invalid("Can only apply an application_fee_amount when the PaymentIntent is attempting a direct payment (using an OAuth key or Stripe-Account header) or destination payment (using `transfer_data[destination]`).",
                    "application_fee_amount"));
            if (!long.TryParse(rawFee, out var f) || f < 0 || f > amount)
                return Task.FromResult(Invalid("The application fee must be a non-negative integer no larger than the amount.", "application_fee_amount"));
            fee = f;
        }

        var id = "pi_" + RandomId(24);
        var intent = new JsonObject
        {
            ["id"] = id,
            ["object"] = "payment_intent",
            ["amount"] = amount,
            ["amount_capturable"] = 0,
            ["amount_received"] = 0,
            ["application_fee_amount"] = fee,
            ["automatic_payment_methods"] = form.GetValueOrDefault("automatic_payment_methods[enabled]") == "true"
                ? new JsonObject { ["allow_redirects"] = "always", ["enabled"] = true } : null,
            ["canceled_at"] = null,
            ["cancellation_reason"] = null,
            ["capture_method"] = form.GetValueOrDefault("capture_method") ?? "automatic",
            ["client_secret"] = $"{id}_secret_{RandomId(25)}",
            ["confirmation_method"] = "automatic",
            ["created"] = Now(),
            ["currency"] = currency,
            ["description"] = form.GetValueOrDefault("description"),
            ["last_payment_error"] = null,
            ["latest_charge"] = null,
            ["livemode"] = false,
            ["metadata"] = Nested(form, "metadata"),
            ["next_action"] = null,
            ["payment_method"] = null,
            ["payment_method_types"] = new JsonArray("card"),
            ["status"] = "requires_payment_method",
            ["transfer_data"] = destination != null ? new JsonObject { ["destination"] = destination } : null,
            ["transfer_group"] = form.GetValueOrDefault("transfer_group")
        };
        _intents[id] = intent;
        logger.LogInformation("stand-in: created {Id} for {Amount} {Currency} (destination {Destination}, fee {Fee})", id, amount, currency,
            destination ?? "-", fee);
        return Task.FromResult((200, intent.ToJsonString(StandInJson.Wire)));
    }

    (int, string) GetIntent(string id) =>
        _intents.TryGetValue(id, out var intent) ? (200, intent.ToJsonString(StandInJson.Wire)) : Missing("payment_intent", id, "intent");

    Task<(int, string)> CancelIntent(string id, Dictionary<string, string> form)
    {
        if (!_intents.TryGetValue(id, out var intent))
            return Task.FromResult(Missing("payment_intent", id, "intent"));
        lock (intent)
        {
            var status = (string)intent["status"]!;
            if (status is "succeeded" or "canceled")
                return Task.FromResult((400, Error("invalid_request_error",
                    $"You cannot cancel this PaymentIntent because it has a status of {status}. Only a PaymentIntent with one of the following statuses may be canceled: requires_payment_method, requires_capture, requires_confirmation, requires_action, processing.",
                    code: "payment_intent_unexpected_state", extra: new JsonObject { ["payment_intent"] = intent.DeepClone() })));
            intent["status"] = "canceled";
            intent["canceled_at"] = Now();
            intent["cancellation_reason"] = form.GetValueOrDefault("cancellation_reason");
            Emit("payment_intent.canceled", intent, true);
            return Task.FromResult((200, intent.ToJsonString(StandInJson.Wire)));
        }
    }

    /// <summary>What the app's SDK does with the client secret: <c>pm_card_visa</c> pays, <c>pm_card_chargeDeclined</c> is declined (402).</summary>
    Task<(int, string)> ConfirmIntent(string id, Dictionary<string, string> form)
    {
        if (!_intents.TryGetValue(id, out var intent))
            return Task.FromResult(Missing("payment_intent", id, "intent"));
        var method = form.GetValueOrDefault("payment_method") ?? "pm_card_visa";
        if (method == "pm_card_chargeDeclined")
        {
            var failed = Fail(id, true);
            return Task.FromResult(failed == null
                ? Invalid("This PaymentIntent's status does not allow confirming it.", code: "payment_intent_unexpected_state")
                : (402, Error("card_error", "Your card was declined.", code: "card_declined",
                    extra: new JsonObject { ["decline_code"] = "generic_decline", ["payment_intent"] = GetIntentJson(id) })));
        }
        var succeeded = Succeed(id, true);
        return Task.FromResult(succeeded == null
            ? Invalid("This PaymentIntent's status does not allow confirming it.", code: "payment_intent_unexpected_state")
            : (200, GetIntent(id).Item2));
    }

    JsonNode? GetIntentJson(string id) => _intents.TryGetValue(id, out var i) ? i.DeepClone() : null;

    /// <summary>The buyer paid: status succeeded, a charge, and <c>payment_intent.succeeded</c>. Null when not payable.</summary>
    public SignedEvent? Succeed(string id, bool deliver = true)
    {
        if (!_intents.TryGetValue(id, out var intent))
            return null;
        lock (intent)
        {
            if ((string)intent["status"]! is "succeeded" or "canceled")
                return null;
            intent["status"] = "succeeded";
            intent["amount_received"] = (long)intent["amount"]!;
            intent["latest_charge"] = "ch_" + RandomId(24);
            intent["payment_method"] = "pm_" + RandomId(24);
            intent["last_payment_error"] = null;
            return Emit("payment_intent.succeeded", intent, deliver);
        }
    }

    /// <summary>The card was declined: back to requires_payment_method with last_payment_error, and <c>payment_intent.payment_failed</c>.</summary>
    public SignedEvent? Fail(string id, bool deliver = true)
    {
        if (!_intents.TryGetValue(id, out var intent))
            return null;
        lock (intent)
        {
            if ((string)intent["status"]! is "succeeded" or "canceled")
                return null;
            intent["status"] = "requires_payment_method";
            intent["last_payment_error"] = new JsonObject
            {
                ["type"] = "card_error",
                ["code"] = "card_declined",
                ["decline_code"] = "generic_decline",
                ["message"] = "Your card was declined."
            };
            return Emit("payment_intent.payment_failed", intent, deliver);
        }
    }

    /// <summary>
    /// <c>GET /v1/payment_intents/search?query=…</c>: Stripe's search query language, the part we use: clauses
    /// <c>metadata['key']:'value'</c>, <c>status:'value'</c> joined by <c>AND</c>. Answers a <c>search_result</c>.
    /// (Stripe's search index lags writes by up to a minute; the stand-in's does not.)
    /// </summary>
    (int, string) SearchIntents(Dictionary<string, string> form)
    {
        if (!form.TryGetValue("query", out var query) || string.IsNullOrWhiteSpace(query))
            return Invalid("Missing required param: query.", "query", "parameter_missing");
        var clauses = new List<(string Field, string Value)>();
        foreach (var clause in query.Split(" AND ", StringSplitOptions.TrimEntries))
        {
            var match = System.Text.RegularExpressions.Regex.Match(clause, @"^(metadata\['(?<key>[^']+)'\]|(?<field>status)):'(?<value>[^']*)'$");
            if (!match.Success)
                return Invalid($"The query is not valid or uses a field the stand-in does not search: {clause}", "query");
            clauses.Add((match.Groups["key"].Success ? "metadata." + match.Groups["key"].Value : match.Groups["field"].Value, match.Groups["value"].Value));
        }
        var limit = form.TryGetValue("limit", out var rawLimit) && int.TryParse(rawLimit, out var l) ? Math.Clamp(l, 1, 100) : 10;
        var found = _intents.Values.Where(intent => clauses.All(c => (c.Field.StartsWith("metadata.", StringComparison.Ordinal)
                ? (string?)intent["metadata"]?[c.Field["metadata.".Length..]]
                : (string?)intent[c.Field]) == c.Value))
            .OrderByDescending(i => (long)i["created"]!).Take(limit).Select(i => i.DeepClone()).ToArray();
        return (200, new JsonObject
        {
            ["object"] = "search_result",
            ["data"] = new JsonArray(found),
            ["has_more"] = false,
            ["next_page"] = null,
            ["url"] = "/v1/payment_intents/search"
        }.ToJsonString(StandInJson.Wire));
    }

    // ------------------------------------------------------------------ transfers

    /// <summary><c>GET /v1/transfers?transfer_group=…&amp;destination=…</c>: a Stripe <c>list</c>, newest first.</summary>
    (int, string) ListTransfers(Dictionary<string, string> form)
    {
        var group = form.GetValueOrDefault("transfer_group");
        var destination = form.GetValueOrDefault("destination");
        var limit = form.TryGetValue("limit", out var rawLimit) && int.TryParse(rawLimit, out var l) ? Math.Clamp(l, 1, 100) : 10;
        var found = _transfers.Values
            .Where(t => (group == null || (string?)t["transfer_group"] == group) && (destination == null || (string?)t["destination"] == destination))
            .OrderByDescending(t => (long)t["created"]!).Take(limit).Select(t => t.DeepClone()).ToArray();
        return (200, new JsonObject
        {
            ["object"] = "list",
            ["data"] = new JsonArray(found),
            ["has_more"] = false,
            ["url"] = "/v1/transfers"
        }.ToJsonString(StandInJson.Wire));
    }

    Task<(int, string)> CreateTransfer(Dictionary<string, string> form)
    {
        if (!form.TryGetValue("amount", out var rawAmount) || !long.TryParse(rawAmount, out var amount) || amount < 1)
            return Task.FromResult(Invalid("Missing or invalid amount.", "amount"));
        if (!form.TryGetValue("currency", out var currency) || currency.Length != 3)
            return Task.FromResult(Invalid("Missing required param: currency.", "currency", "parameter_missing"));
        if (!form.TryGetValue("destination", out var destination))
            return Task.FromResult(Invalid("Missing required param: destination.", "destination", "parameter_missing"));
        if (!destination.StartsWith("acct_", StringComparison.Ordinal))
            return Task.FromResult(Invalid($"No such destination: '{destination}'", "destination", "resource_missing"));

        var id = "tr_" + RandomId(24);
        var transfer = new JsonObject
        {
            ["id"] = id,
            ["object"] = "transfer",
            ["amount"] = amount,
            ["amount_reversed"] = 0,
            ["created"] = Now(),
            ["currency"] = currency,
            ["description"] = form.GetValueOrDefault("description"),
            ["destination"] = destination,
            ["livemode"] = false,
            ["metadata"] = Nested(form, "metadata"),
            ["reversed"] = false,
            ["source_transaction"] = form.GetValueOrDefault("source_transaction"),
            ["transfer_group"] = form.GetValueOrDefault("transfer_group")
        };
        _transfers[id] = transfer;
        logger.LogInformation("stand-in: transfer {Id} of {Amount} {Currency} to {Destination}", id, amount, currency, destination);
        return Task.FromResult((200, transfer.ToJsonString(StandInJson.Wire)));
    }

    // ------------------------------------------------------------------ events and webhooks

    SignedEvent Emit(string type, JsonObject intent, bool deliver)
    {
        var now = Now();
        var payload = new JsonObject
        {
            ["id"] = "evt_" + RandomId(24),
            ["object"] = "event",
            ["api_version"] = options.ApiVersion,
            ["created"] = now,
            ["data"] = new JsonObject { ["object"] = intent.DeepClone() },
            ["livemode"] = false,
            ["pending_webhooks"] = 1,
            ["request"] = new JsonObject { ["id"] = null, ["idempotency_key"] = null },
            ["type"] = type
        }.ToJsonString(StandInJson.Wire);
        var signed = Sign(payload, now, options.WebhookSecret);
        _events.Enqueue(signed);
        if (deliver)
            _webhooks.Writer.TryWrite(signed);
        return signed;
    }

    /// <summary>Signs a payload the way Stripe does; tests use it to forge, age or replay webhooks.</summary>
    public static SignedEvent Sign(string payload, long timestamp, string secret)
    {
        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret),
            Encoding.UTF8.GetBytes($"{timestamp}.{payload}")));
        var node = JsonNode.Parse(payload)!;
        return new SignedEvent((string)node["id"]!, (string)node["type"]!, payload, $"t={timestamp},v1={signature}", timestamp);
    }

    static JsonObject Nested(Dictionary<string, string> form, string prefix)
    {
        var result = new JsonObject();
        foreach (var (key, value) in form)
            if (key.StartsWith(prefix + "[", StringComparison.Ordinal) && key.EndsWith(']'))
                result[key[(prefix.Length + 1)..^1]] = value;
        return result;
    }

    static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    static string RandomId(int length)
    {
        const string chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        return RandomNumberGenerator.GetString(chars, length);
    }

    /// <summary>Delivers events one at a time, in the order they happened, retrying a failed delivery like Stripe (fewer times).</summary>
    sealed class WebhookSender(StripeStandIn standIn, IHttpClientFactory clients, ILogger<WebhookSender> logger) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            var options = standIn.Options;
            await foreach (var e in standIn._webhooks.Reader.ReadAllAsync(stoppingToken))
            {
                if (string.IsNullOrEmpty(options.WebhookUrl) && standIn.Deliverer == null)
                    continue;
                for (var attempt = 1; attempt <= options.WebhookAttempts; attempt++)
                {
                    int? status = null;
                    try
                    {
                        if (standIn.Deliverer is { } deliver)
                        {
                            status = await deliver(e, stoppingToken);
                            standIn._deliveries.Enqueue(new WebhookDelivery(e.Id, e.Type, attempt, status, DateTime.UtcNow));
                            if (status is >= 200 and < 300)
                                break;
                            await Task.Delay(options.WebhookRetryDelay * attempt, stoppingToken);
                            continue;
                        }
                        using var request = new HttpRequestMessage(HttpMethod.Post, options.WebhookUrl)
                        {
                            Content = new StringContent(e.Payload, Encoding.UTF8, "application/json")
                        };
                        request.Headers.TryAddWithoutValidation("Stripe-Signature", e.SignatureHeader);
                        request.Headers.TryAddWithoutValidation("User-Agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)");
                        using var response = await clients.CreateClient(nameof(StripeStandIn)).SendAsync(request, stoppingToken);
                        status = (int)response.StatusCode;
                    }
                    catch (HttpRequestException ex)
                    {
                        logger.LogWarning("stand-in: webhook {EventId} attempt {Attempt} failed: {Error}", e.Id, attempt, ex.Message);
                    }
                    standIn._deliveries.Enqueue(new WebhookDelivery(e.Id, e.Type, attempt, status, DateTime.UtcNow));
                    if (status is >= 200 and < 300)
                        break;
                    await Task.Delay(options.WebhookRetryDelay * attempt, stoppingToken);
                }
            }
        }
    }
}
