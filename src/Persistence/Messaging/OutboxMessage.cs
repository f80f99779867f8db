namespace SoukLoop.Persistence.Messaging;

/// <summary>A message produced while consuming, stored in the consumer's transaction and sent after commit.</summary>
public class OutboxMessage
{
    public long SequenceNumber { get; set; }
    public Guid InboxMessageId { get; set; }
    public Guid InboxConsumerId { get; set; }
    public Guid MessageId { get; set; }
    public Guid? ConversationId { get; set; }
    public Guid? CorrelationId { get; set; }
    public Guid? InitiatorId { get; set; }
    public Guid? RequestId { get; set; }
    public string? SourceAddress { get; set; }
    public string? DestinationAddress { get; set; }
    public string? ResponseAddress { get; set; }
    public string? FaultAddress { get; set; }
    public DateTime SentTime { get; set; }
    public DateTime? ExpirationTime { get; set; }
    public DateTime? EnqueueTime { get; set; }
    public required string ContentType { get; set; }
    public required string MessageType { get; set; }
    public required string Body { get; set; }
    public string? Headers { get; set; }
    public string? Properties { get; set; }
}
