using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace SoukLoop.Drill;

/// <summary>What a command was meant to do, so the checks can find its effect in the database.</summary>
public static class CommandKinds
{
    public const string Register = "register";
    public const string Product = "product";
    public const string Offer = "offer";
    public const string Counter = "counter";
    public const string Accept = "accept";
    public const string Decline = "decline";
    public const string MessageRest = "message_rest";
    public const string MessageHub = "message_hub";
}

/// <summary>
/// One command a client sent, with every attempt's outcome and the final answer. A command is "answered" when its final
/// status is 200/201/202 (for the hub: the invocation completed); every answered command must be applied exactly once.
/// </summary>
public sealed class CommandRecord
{
    public long Seq { get; init; }
    public required string Kind { get; init; }
    public required string Path { get; init; }
    public DateTime At { get; init; }
    public Guid Actor { get; init; }
    public string? IdempotencyKey { get; init; }
    public string? ClientMessageId { get; init; }
    /// <summary>The product, offer or conversation it acts on (what it acted on, not what it created).</summary>
    public Guid? Target { get; init; }
    /// <summary>A price or content marker the effect must carry.</summary>
    public string? Expect { get; init; }
    public int Attempts { get; set; }
    public int NetworkErrors { get; set; }
    public int ServerErrors { get; set; }
    public int? Status { get; set; }
    public string? Code { get; set; }
    /// <summary>The id of what it created (offer, product, message), from the answer.</summary>
    public Guid? ResultId { get; set; }
    public string? Location { get; set; }
    public DateTime? FinishedAt { get; set; }
    /// <summary>Filled by the checks: applied, lost, doubled, failed_visible (a 202 whose location shows the failure), rejected.</summary>
    public string? Outcome { get; set; }
    public string? Detail { get; set; }

    public bool Answered => Status is 200 or 201 or 202;
}

public sealed class CommandLedger
{
    readonly ConcurrentQueue<CommandRecord> _records = new();
    long _seq;

    public CommandRecord Begin(string kind, string path, Guid actor, string? idempotencyKey = null, string? clientMessageId = null,
        Guid? target = null, string? expect = null)
    {
        var record = new CommandRecord
        {
            Seq = Interlocked.Increment(ref _seq), Kind = kind, Path = path, At = DateTime.UtcNow, Actor = actor,
            IdempotencyKey = idempotencyKey, ClientMessageId = clientMessageId, Target = target, Expect = expect
        };
        _records.Enqueue(record);
        return record;
    }

    public static void Finish(CommandRecord record, int status, JsonNode? body)
    {
        record.Status = status;
        record.FinishedAt = DateTime.UtcNow;
        record.Code = JsonText.Of(body?["code"]);
        if (status is 200 or 201 or 202 && Guid.TryParse(JsonText.Of(body?["id"]), out var id))
            record.ResultId = id;
        record.Location = JsonText.Of(body?["location"]);
    }

    public IReadOnlyList<CommandRecord> All => _records.OrderBy(r => r.Seq).ToList();
}
