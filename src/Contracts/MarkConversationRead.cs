namespace SoukLoop.Contracts;

/// <summary>A participant has read everything in a conversation.</summary>
public record MarkConversationRead(Guid ConversationId, Guid ReaderId);
