namespace SoukLoop.Contracts;

/// <summary>A message was stored: everything the recipient's screen and a push notification need.</summary>
public record MessageSent(
    Guid ConversationId,
    Guid MessageId,
    Guid SenderId,
    Guid RecipientId,
    string MessageType,
    string? Content,
    string[] ImageUrls,
    string? OfferData,
    string? ClientMessageId,
    bool IsRead,
    DateTime CreatedAt,
    int RecipientUnreadCount,
    Guid? ProductId);
