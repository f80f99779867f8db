namespace SoukLoop.Persistence.Messaging;

/// <summary>A message to send at a later time (saga timeouts): stored in Postgres so it survives restarts.</summary>
public class ScheduledMessage
{
    public Guid TokenId { get; set; }
    public DateTime DueAt { get; set; }
    public string? Destination { get; set; }
    public string? Body { get; set; }
    public string? ContentType { get; set; }
    public string? MessageType { get; set; }
    public Guid? CorrelationId { get; set; }
    public string? Headers { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? CancelledAt { get; set; }
    public DateTime? FiredAt { get; set; }
}
