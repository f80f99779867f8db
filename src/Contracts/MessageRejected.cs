namespace SoukLoop.Contracts;

/// <summary>The answer to a <see cref="SendMessage"/> that broke a rule; nothing was stored.</summary>
public record MessageRejected(Guid ConversationId, string Code, int HttpStatus, string Detail);
