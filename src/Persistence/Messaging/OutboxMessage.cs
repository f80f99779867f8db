using MassTransit;
using MassTransit.Middleware;
using MassTransit.Metadata;
using MassTransit.Serialization;

namespace SoukLoop.Persistence.Messaging;

/// <summary>A message produced while consuming, stored in the consumer's transaction and sent after commit.</summary>
public class OutboxMessage : OutboxMessageContext
{
    Headers? _headers;
    IReadOnlyDictionary<string, object>? _properties;

    public long SequenceNumber { get; set; }
    public Guid InboxMessageId { get; set; }
    public Guid InboxConsumerId { get; set; }
    public Guid MessageId { get; set; }
    public Guid? ConversationId { get; set; }
    public Guid? CorrelationId { get; set; }
    public Guid? InitiatorId { get; set; }
    public Guid? RequestId { get; set; }
    public Uri? SourceAddress { get; set; }
    public Uri? DestinationAddress { get; set; }
    public Uri? ResponseAddress { get; set; }
    public Uri? FaultAddress { get; set; }
    public DateTime SentTime { get; set; }
    public DateTime? ExpirationTime { get; set; }
    public DateTime? EnqueueTime { get; set; }
    public string ContentType { get; set; } = "";
    public string MessageType { get; set; } = "";
    public string Body { get; set; } = "";
    public string? Headers { get; set; }
    public string? Properties { get; set; }

    Guid? MessageContext.MessageId => MessageId;
    DateTime? MessageContext.SentTime => SentTime;
    Headers MessageContext.Headers => _headers ?? EmptyHeaders.Instance;
    HostInfo MessageContext.Host => HostMetadataCache.Host;
    IReadOnlyDictionary<string, object> OutboxMessageContext.Properties => _properties ?? new Dictionary<string, object>();

    /// <summary>Turns the stored JSON headers and transport properties back into objects before sending.</summary>
    public void Deserialize(IObjectDeserializer deserializer)
    {
        var headers = deserializer.DeserializeDictionary<object?>(Headers);
        _headers = headers != null ? new DictionarySendHeaders(headers) : EmptyHeaders.Instance;
        _properties = deserializer.DeserializeDictionary<object>(Properties) ?? new Dictionary<string, object>();
    }
}
