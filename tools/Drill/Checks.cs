using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Npgsql;
using SoukLoop.Testing;

namespace SoukLoop.Drill;

public sealed class ErrorQueueMessage
{
    public required string Queue { get; init; }
    public required string MessageType { get; init; }
    public string? MessageId { get; init; }
    public string? Exception { get; init; }
    /// <summary>A message_faults row exists for it: support sees it and can re-drive it (docs/support.md).</summary>
    public bool RecordedFault { get; set; }
    /// <summary>Its effect exists anyway (the client's retry of the same SendMessage was stored): nothing was lost with it.</summary>
    public bool AppliedAnyway { get; set; }
}

public sealed class Violation
{
    public required string Check { get; init; }
    public required string Detail { get; init; }
}

public sealed class CheckResult
{
    public int Answered, Applied, Lost, Doubled, FailedVisible, Rejected;
    public List<Violation> Violations { get; } = [];
    public List<ErrorQueueMessage> ErrorMessages { get; } = [];
    public int ReconnectedClients, ConversationsReread, MessagesMissingAfterReconnect, PushesMissed;
    public bool Clean => Lost == 0 && Doubled == 0 && Violations.Count == 0;
}

/// <summary>
/// The drill's verdict, read from the database (as support would), the broker's management API and the clients' own records:
/// every answered command applied exactly once, and the invariants of issue 12 hold.
/// </summary>
public sealed class Checks(NpgsqlDataSource db, ApiClient api, CommandLedger ledger, Scenario scenario, DrillOptions options,
    IConfiguration configuration, ILogger<Checks> logger)
{
    string? _supportToken;

    public async Task<CheckResult> RunAsync(bool final, CancellationToken ct)
    {
        var result = new CheckResult();
        await CommandsAsync(result, final, ct);
        await InvariantsAsync(result, ct);
        await ErrorQueuesAsync(result, ct);
        if (final)
            await ReconnectedClientsAsync(result, ct);
        return result;
    }

    // ------------------------------------------------------------------ every answered command applied exactly once

    async Task CommandsAsync(CheckResult result, bool final, CancellationToken ct)
    {
        foreach (var record in ledger.All.Where(r => r.Answered))
        {
            result.Answered++;
            var count = await EffectCountAsync(record, ct);
            if (count == 1)
            {
                record.Outcome = "applied";
                result.Applied++;
            }
            else if (count > 1)
            {
                record.Outcome = "doubled";
                record.Detail = $"{count} effects";
                result.Doubled++;
            }
            else if (await RefusedMoveAsync(record, ct) is { } refusal)
            {
                record.Outcome = "failed_visible";
                record.Detail = refusal;
                result.FailedVisible++;
            }
            else if (record.Status == 202 && final && await FailureVisibleAsync(record, ct) is { } failure)
            {
                record.Outcome = "failed_visible";
                record.Detail = failure;
                result.FailedVisible++;
            }
            else
            {
                record.Outcome = "lost";
                record.Detail = final ? await LostDetailAsync(record, ct) : null;
                result.Lost++;
            }
        }
    }

    /// <summary>
    /// How many times the command's effect is in the database (1 = exactly once). A move counts where the saga's timeline shows
    /// it changing the state (a refused or redelivered move is in the timeline too, with the state unchanged).
    /// </summary>
    async Task<long> EffectCountAsync(CommandRecord r, CancellationToken ct) => r.Kind switch
    {
        CommandKinds.Register => await CountAsync("SELECT count(*) FROM users WHERE email = @a", ct, r.Expect),
        CommandKinds.Product => await CountAsync("SELECT count(*) FROM products WHERE seller_id = @a AND title = @b", ct, r.Actor, r.Expect),
        CommandKinds.Offer => await CountAsync(
            "SELECT count(*) FROM offers WHERE buyer_id = @a AND product_id = @b AND offered_price = @c::numeric", ct, r.Actor, r.Target, r.Expect),
        CommandKinds.Counter => await CountAsync(
            """
            SELECT count(*) FROM offer_timeline WHERE offer_id = @a AND actor_id = @b AND action = 'CounterOffer' AND price = @c::numeric
              AND state_before IS DISTINCT FROM state_after
            """, ct,
            r.Target, r.Actor, r.Expect),
        CommandKinds.Accept => await CountAsync("SELECT count(*) FROM transactions WHERE offer_id = @a", ct, r.Target),
        CommandKinds.Decline => await CountAsync(
            """
            SELECT count(*) FROM offer_timeline WHERE offer_id = @a AND actor_id = @b AND action = 'DeclineOffer' AND state_after = 'Declined'
              AND state_before IS DISTINCT FROM state_after
            """, ct,
            r.Target, r.Actor),
        CommandKinds.MessageRest or CommandKinds.MessageHub or "probe" => await CountAsync(
            "SELECT count(*) FROM messages WHERE conversation_id = @a AND sender_id = @b AND content = @c", ct, r.Target, r.Actor, r.Expect),
        // Sign-ins and conversation starts change nothing the checks count.
        _ => 1
    };

    /// <summary>
    /// A move answered 202 that reached the saga and was refused there (the offer expired or closed meanwhile): the timeline has
    /// it with the refusal's code, and its location (the offer) shows the offer's state to the client. Not a loss.
    /// </summary>
    async Task<string?> RefusedMoveAsync(CommandRecord r, CancellationToken ct)
    {
        var action = r.Kind switch
        {
            CommandKinds.Counter => "CounterOffer",
            CommandKinds.Accept => "AcceptOffer",
            CommandKinds.Decline => "DeclineOffer",
            _ => null
        };
        if (action == null || r.Status != 202 || r.Target is not { } offer)
            return null;
        await using var cmd = db.CreateCommand("""
            SELECT detail || ' (offer ' || coalesce(state_after, '?') || ')' FROM offer_timeline
            WHERE offer_id = @a AND actor_id = @b AND action = @c AND state_before IS NOT DISTINCT FROM state_after AND detail IS NOT NULL
            LIMIT 1
            """);
        cmd.Parameters.AddWithValue("a", offer);
        cmd.Parameters.AddWithValue("b", r.Actor);
        cmd.Parameters.AddWithValue("c", action);
        return await cmd.ExecuteScalarAsync(ct) is string refusal ? $"refused by the saga: {refusal}" : null;
    }

    /// <summary>A 202 whose effect is missing: does its location answer the failure (issue 12: status failed with the fault's code)?</summary>
    async Task<string?> FailureVisibleAsync(CommandRecord r, CancellationToken ct)
    {
        var user = scenario.Users.FirstOrDefault(u => u.Id == r.Actor);
        if (r.Location == null || user == null)
            return null;
        var answer = await api.TryOnceAsync(user.Token, HttpMethod.Get, r.Location, null, ct);
        return JsonText.Of(answer.Body?["status"]) == "failed" ? $"location says failed: {answer.Body?.ToJsonString()}" : null;
    }

    async Task<string> LostDetailAsync(CommandRecord r, CancellationToken ct)
    {
        if (r.Kind is CommandKinds.Counter or CommandKinds.Accept or CommandKinds.Decline && r.Target is { } offer)
        {
            await using var cmd = db.CreateCommand("SELECT current_state || ' v' || version FROM offers WHERE id = @a");
            cmd.Parameters.AddWithValue("a", offer);
            return $"offer now {await cmd.ExecuteScalarAsync(ct) ?? "missing"}";
        }
        return $"status {r.Status} location {r.Location}";
    }

    // ------------------------------------------------------------------ invariants

    async Task InvariantsAsync(CheckResult result, CancellationToken ct)
    {
        foreach (var row in await RowsAsync(
                     "SELECT product_id::text, count(*)::text FROM transactions WHERE status <> 'cancelled' GROUP BY product_id HAVING count(*) > 1", ct))
            result.Violations.Add(new() { Check = "two_live_transactions", Detail = $"product {row[0]}: {row[1]} live transactions" });

        foreach (var row in await RowsAsync("""
                     SELECT o.id::text, coalesce(t.id::text, 'none'),
                            EXISTS (SELECT 1 FROM message_faults f WHERE f.correlation_id = o.id OR f.correlation_id = t.id)::text
                     FROM offers o LEFT JOIN transactions t ON t.offer_id = o.id
                     WHERE o.current_state = 'Accepted' AND (t.id IS NULL OR t.payment_intent_id IS NULL)
                     """, ct))
        {
            var supportSees = row[2] == "true" && await SupportSeesFaultAsync(Guid.Parse(row[0]), ct);
            if (!supportSees)
                result.Violations.Add(new() { Check = "accepted_without_payment_intent", Detail = $"offer {row[0]} transaction {row[1]}: no PaymentIntent and no fault support can see" });
        }

        foreach (var row in await RowsAsync("""
                     SELECT id::text, current_state, to_char(expires_at, 'HH24:MI:SS') FROM offers
                     WHERE current_state IN ('Pending', 'Countered') AND expires_at < now() - interval '1 minute'
                     """, ct))
            result.Violations.Add(new() { Check = "open_offer_past_expiry", Detail = $"offer {row[0]} {row[1]}, expired at {row[2]} UTC" });

        foreach (var row in await RowsAsync("""
                     SELECT count(*)::text, min(sent_time)::text FROM outbox_messages WHERE sent_time < now() - interval '1 minute' HAVING count(*) > 0
                     """, ct))
            result.Violations.Add(new() { Check = "outbox_row_older_than_a_minute", Detail = $"{row[0]} rows, oldest {row[1]}" });
    }

    async Task<bool> SupportSeesFaultAsync(Guid offerId, CancellationToken ct)
    {
        if (_supportToken == null)
        {
            var login = await api.TryOnceAsync(null, HttpMethod.Post, "/api/v1/auth/login",
                new { email = options.SupportEmail, password = options.SupportPassword }, ct);
            _supportToken = JsonText.Of(login.Body?["access_token"]);
            if (_supportToken == null)
            {
                logger.LogWarning("support login failed ({Status}): cannot confirm support sees faults", login.Status);
                return false;
            }
        }
        var saga = await api.TryOnceAsync(_supportToken, HttpMethod.Get, $"/api/v1/support/offers/{offerId}", null, ct);
        return saga.Body?["faults"] is JsonArray { Count: > 0 };
    }

    // ------------------------------------------------------------------ the broker's _error queues

    async Task ErrorQueuesAsync(CheckResult result, CancellationToken ct)
    {
        using var rabbit = ThrowAwayServices.RabbitManagementClient(configuration["RabbitMq:Host"] ?? "127.0.0.1",
            configuration["RabbitMq:ManagementPort"] ?? "15672", configuration["RabbitMq:Username"] ?? "guest", configuration["RabbitMq:Password"] ?? "guest");
        var vhost = Uri.EscapeDataString(configuration["RabbitMq:VirtualHost"] ?? "/");
        var queues = await rabbit.GetFromJsonAsync<JsonArray>($"/api/queues/{vhost}?columns=name,messages", ct) ?? [];
        foreach (var queue in queues)
        {
            var name = JsonText.Of(queue?["name"]) ?? "";
            if (!(name.EndsWith("_error", StringComparison.Ordinal) || name.EndsWith("_skipped", StringComparison.Ordinal)) || (long?)queue?["messages"] is not > 0)
                continue;
            using var peek = await rabbit.PostAsJsonAsync($"/api/queues/{vhost}/{Uri.EscapeDataString(name)}/get",
                new { count = 500, ackmode = "ack_requeue_true", encoding = "auto", truncate = 100000 }, ct);
            var messages = await peek.Content.ReadFromJsonAsync<JsonArray>(ct) ?? [];
            foreach (var message in messages)
            {
                var headers = message?["properties"]?["headers"];
                JsonNode? envelope = null;
                try
                {
                    envelope = JsonNode.Parse(JsonText.Of(message?["payload"]) ?? "null");
                }
                catch (System.Text.Json.JsonException)
                {
                }
                var type = envelope?["messageType"] is JsonArray types && types.Count > 0 ? JsonText.Of(types[0]) : JsonText.Of(message?["properties"]?["type"]);
                var id = JsonText.Of(envelope?["messageId"]) ?? JsonText.Of(message?["properties"]?["message_id"]);
                var entry = new ErrorQueueMessage
                {
                    Queue = name, MessageType = type?.Replace("urn:message:SoukLoop.Contracts:", "") ?? "?", MessageId = id,
                    Exception = JsonText.Of(headers?["MT-Fault-ExceptionType"]) is { } ex ? $"{ex}: {JsonText.Of(headers?["MT-Fault-Message"])}" : JsonText.Of(headers?["MT-Reason"])
                };
                if (Guid.TryParse(id, out var messageId))
                    entry.RecordedFault = await CountAsync("SELECT count(*) FROM message_faults WHERE faulted_message_id = @a", ct, messageId) > 0;
                // Chat commands have no support record (docs/operations.md): their copy in _error is accounted for when the
                // message is stored anyway, by the client's resend with the same client_message_id.
                if (!entry.RecordedFault && envelope?["message"] is { } payload && entry.MessageType == "SendMessage"
                    && Guid.TryParse(JsonText.Of(payload["senderId"]), out var sender))
                    entry.AppliedAnyway = await CountAsync("SELECT count(*) FROM messages WHERE sender_id = @a AND client_message_id = @b", ct,
                        sender, JsonText.Of(payload["clientMessageId"])) > 0;
                result.ErrorMessages.Add(entry);
                if (!entry.RecordedFault && !entry.AppliedAnyway)
                    result.Violations.Add(new() { Check = "error_message_unaccounted", Detail = $"{name}: {entry.MessageType} {id} ({entry.Exception}) has no recorded fault support can see" });
            }
        }
    }

    // ------------------------------------------------------------------ clients that reconnected: REST has every message of their conversations

    async Task ReconnectedClientsAsync(CheckResult result, CancellationToken ct)
    {
        var sent = ledger.All.Where(r => r.Kind is CommandKinds.MessageRest or CommandKinds.MessageHub && r.Answered && r.Target != null)
            .GroupBy(r => r.Target!.Value).ToDictionary(g => g.Key, g => g.Select(r => r.Expect!).ToHashSet());
        foreach (var user in scenario.Users.Where(u => u.Hub is { } h && h.Reconnects + h.Restarts > 0))
        {
            result.ReconnectedClients++;
            foreach (var conversation in user.Conversations.Keys)
            {
                result.ConversationsReread++;
                var seen = await AllMessagesAsync(user, conversation, ct);
                foreach (var content in sent.GetValueOrDefault(conversation) ?? [])
                {
                    if (seen.Any(m => JsonText.Of(m["content"]) == content))
                        continue;
                    result.MessagesMissingAfterReconnect++;
                    result.Violations.Add(new() { Check = "reconnected_client_missing_message", Detail = $"user {user.Id} conversation {conversation}: '{content}' not in REST" });
                }
                result.PushesMissed += seen.Count(m => Guid.TryParse(JsonText.Of(m["id"]), out var id) && !user.Hub!.MessagesPushed.ContainsKey(id));
            }
        }
    }

    async Task<List<JsonNode>> AllMessagesAsync(DrillUser user, Guid conversation, CancellationToken ct)
    {
        var all = new List<JsonNode>();
        string? cursor = null;
        do
        {
            var page = await api.GetAsync(user.Token,
                $"/api/v1/conversations/{conversation}/messages?limit=100" + (cursor != null ? $"&before_message_id={cursor}" : ""), ct);
            if (!page.Ok)
                break;
            all.AddRange((page.Body?["items"] as JsonArray ?? []).Where(m => m != null)!);
            cursor = JsonText.Of(page.Body?["next_cursor"]);
        } while (cursor != null);
        return all;
    }

    // ------------------------------------------------------------------ SQL helpers

    async Task<long> CountAsync(string sql, CancellationToken ct, params object?[] values)
    {
        await using var cmd = db.CreateCommand(sql);
        string[] names = ["a", "b", "c"];
        for (var i = 0; i < values.Length; i++)
            cmd.Parameters.AddWithValue(names[i], values[i] ?? DBNull.Value);
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    async Task<List<string[]>> RowsAsync(string sql, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(sql);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var rows = new List<string[]>();
        while (await reader.ReadAsync(ct))
            rows.Add(Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "" : reader.GetString(i)).ToArray());
        return rows;
    }
}
