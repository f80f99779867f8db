namespace SoukLoop.Contracts;

/// <summary>One message was read by its recipient (a read receipt for the sender).</summary>
public record MessageRead(Guid ConversationId, Guid MessageId, Guid ReaderId, Guid SenderId, DateTime ReadAt);
