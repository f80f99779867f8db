using System.Text.Json;
using SoukLoop.Contracts;
using SoukLoop.Persistence.Model;
using SoukLoop.Api.Features.Users;

namespace SoukLoop.Api.Features.Conversations;

public sealed record ConversationProduct(Guid Id, string Title, decimal Price, string? ImageUrl);

public sealed record LastMessageResponse(Guid Id, string MessageType, string? Content, Guid SenderId, DateTime CreatedAt);

/// <summary>One row of `GET /conversations`, seen by the caller.</summary>
public sealed record ConversationItem(
    Guid Id, PublicUser OtherUser, ConversationProduct? Product, LastMessageResponse? LastMessage, DateTime? LastMessageAt,
    int UnreadCount, bool IsArchived);

/// <summary>
/// One conversation with its latest messages (newest first, as `GET /conversations/{id}/messages` pages them;
/// <see cref="NextCursor"/> is the `before_message_id` of the page before them, null when there is none).
/// </summary>
public sealed record ConversationDetail(
    Guid Id, Guid BuyerId, Guid SellerId, Guid? ProductId, PublicUser OtherUser, ConversationProduct? Product,
    LastMessageResponse? LastMessage, DateTime? LastMessageAt, int UnreadCount, bool IsArchived, DateTime CreatedAt,
    IReadOnlyList<MessageResponse> Messages, Guid? NextCursor);

public sealed record MessageResponse(
    Guid Id, Guid ConversationId, Guid SenderId, string MessageType, string? Content, IReadOnlyList<string> ImageUrls, JsonElement? OfferData,
    bool IsRead, DateTime CreatedAt, string? ClientMessageId)
{
    public static MessageResponse From(Message m) => new(m.Id, m.ConversationId, m.SenderId, m.MessageType, m.Content, m.ImageUrls,
        Json(m.OfferData), m.IsRead, m.CreatedAt, m.ClientMessageId);

    public static MessageResponse From(MessageSent m) => new(m.MessageId, m.ConversationId, m.SenderId, m.MessageType, m.Content, m.ImageUrls,
        Json(m.OfferData), m.IsRead, m.CreatedAt, m.ClientMessageId);

    static JsonElement? Json(string? json) => json is null ? null : JsonDocument.Parse(json).RootElement.Clone();
}

public sealed record PagedConversations(IReadOnlyList<ConversationItem> Items, int Page, int PerPage, int Total);

public sealed record MessagePage(IReadOnlyList<MessageResponse> Items, Guid? NextCursor);

public sealed record UnreadCountResponse(int UnreadCount);

/// <summary>The 202 answer of a send the worker has not confirmed within the wait: poll <see cref="Location"/>.</summary>
public sealed record MessagePending(Guid Id, Guid ConversationId, string Status, string Location);
