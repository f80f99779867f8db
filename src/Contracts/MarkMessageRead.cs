namespace SoukLoop.Contracts;

/// <summary>A participant has read one message.</summary>
public record MarkMessageRead(Guid MessageId, Guid ReaderId);
