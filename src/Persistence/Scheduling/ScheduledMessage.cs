using System.Text.Json;
using MassTransit;
using MassTransit.Metadata;
using MassTransit.Middleware;
using MassTransit.Serialization;

namespace SoukLoop.Persistence.Scheduling;

/// <summary>
/// A message to send at a later time (saga timeouts), stored in Postgres so it survives any restart.
/// It is sent with MassTransit's outbox send pipe, so it implements <see cref="OutboxMessageContext"/>.
/// </summary>
public class ScheduledMessage : OutboxMessageContext
{
    public Guid TokenId { get; set; }
    public DateTime DueAt { get; set; }
    /// <summary>The id the fired message carries: fixed at scheduling, so a re-fire after a crash is a duplicate the inbox drops.</summary>
    public Guid MessageId { get; set; }
    public Uri? DestinationAddress { get; set; }
    public string Body { get; set; } = "";
    public string ContentType { get; set; } = "";
    public string MessageType { get; set; } = "";
    public Guid? CorrelationId { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? CancelledAt { get; set; }
    public DateTime? FiredAt { get; set; }
    /// <summary>Failed sends so far; a failed row waits until <see cref="NextAttemptAt"/> and never holds up the rows due after it.</summary>
    public int Attempts { get; set; }
    public DateTime? NextAttemptAt { get; set; }
    /// <summary>Set aside after <see cref="SchedulerOptions.MaxAttempts"/> failed sends: never tried again, shown to support as failed.</summary>
    public DateTime? FailedAt { get; set; }
    public string? LastError { get; set; }

    public long SequenceNumber => 0;
    Guid? MessageContext.MessageId => MessageId;
    public Guid? RequestId => null;
    public Guid? ConversationId => null;
    public Guid? InitiatorId => null;
    public DateTime? ExpirationTime => null;
    public Uri? SourceAddress => null;
    public Uri? ResponseAddress => null;
    public Uri? FaultAddress => null;
    public DateTime? SentTime => CreatedAt;
    /// <summary>The scheduling request's headers (redelivery count, trace context, ...), forwarded when it fires.</summary>
    public string? HeadersJson { get; set; }

    public Headers Headers
    {
        get
        {
            var headers = new Dictionary<string, object?>();
            if (!string.IsNullOrEmpty(HeadersJson))
            {
                foreach (var (key, value) in JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(HeadersJson)!)
                    headers[key] = Primitive(value);
            }
            headers[MessageHeaders.SchedulingTokenId] = TokenId.ToString();
            return new DictionarySendHeaders(headers);
        }
    }

    static object? Primitive(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.TryGetInt64(out var n) ? n : value.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null => null,
        _ => value.GetRawText()
    };
    public HostInfo Host => HostMetadataCache.Host;
    public IReadOnlyDictionary<string, object> Properties { get; } = new Dictionary<string, object>();
}
