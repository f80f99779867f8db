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
    /// <summary>
    /// When no redelivery was left (the message went to its `_error` queue): the command failed for good until support
    /// re-drives it; a 202's location then answers <c>failed</c> (src/Api/README.md). Null while redeliveries are pending.
    /// </summary>
    public DateTime? FinalAt { get; set; }
    public DateTime? RedrivenAt { get; set; }
    public Guid? RedrivenBy { get; set; }
    /// <summary>Why support re-drove it (1–500 characters), also written to the offer's timeline.</summary>
    public string? RedriveReason { get; set; }
}
