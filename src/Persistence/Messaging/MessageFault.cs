namespace SoukLoop.Persistence.Messaging;

/// <summary>A message that faulted after every retry: what support sees on the offer's page and can re-drive.</summary>
public class MessageFault
{
    public Guid Id { get; set; }
    public Guid FaultedMessageId { get; set; }
    public Guid? CorrelationId { get; set; }
    public required string MessageType { get; set; }
    public string? Destination { get; set; }
    public required string ExceptionType { get; set; }
    public required string ExceptionMessage { get; set; }
    public string? StackTrace { get; set; }
    public string? MessageBody { get; set; }
    public DateTime At { get; set; }
    public DateTime? RedrivenAt { get; set; }
    public Guid? RedrivenBy { get; set; }
    /// <summary>Why support re-drove it (1–500 characters), also written to the offer's timeline.</summary>
    public string? RedriveReason { get; set; }
}
