namespace SoukLoop.Contracts;

/// <summary>Everything the other side sent in the conversation is now read by the reader.</summary>
public record ConversationRead(Guid ConversationId, Guid ReaderId, Guid OtherUserId, DateTime ReadAt);
