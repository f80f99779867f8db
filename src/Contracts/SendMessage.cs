namespace SoukLoop.Contracts;

/// <summary>A participant sends a text or image message; the worker stores it once per client message id.</summary>
public record SendMessage(Guid ConversationId, Guid MessageId, Guid SenderId, string MessageType, string? Content, string[] ImageUrls,
    string? ClientMessageId);
