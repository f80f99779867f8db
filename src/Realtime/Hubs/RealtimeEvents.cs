using System.Text.Json;
using SoukLoop.Contracts;

namespace SoukLoop.Realtime.Hubs;

/// <summary>Server → client event names, exactly as API.md "Realtime" (and the seed) spell them.</summary>
public static class ServerEvents
{
    public const string Connected = "connected";
    public const string MessageNew = "message:new";
    public const string MessageDelivered = "message:delivered";
    public const string MessageRead = "message:read";
    public const string MessagesRead = "messages:read";
    public const string TypingActive = "typing:active";
    public const string TypingInactive = "typing:inactive";
    public const string UserOnline = "user:online";
    public const string UserOffline = "user:offline";
    public const string Pong = "pong";
    public const string OfferNew = "offer:new";
    public const string OfferCreated = "offer:created";
    public const string OfferUpdated = "offer:updated";
    public const string OfferFeedNew = "offer:feed:new";
    public const string OfferFeedHistory = "offer:feed:history";
    public const string Error = "error";
}

/// <summary>Client → server hub method names, exactly as API.md "Realtime".</summary>
public static class HubMethods
{
    public const string Heartbeat = "heartbeat";
    public const string ConversationJoin = "conversation:join";
    public const string ConversationLeave = "conversation:leave";
    public const string MessageSend = "message:send";
    public const string TypingStart = "typing:start";
    public const string TypingStop = "typing:stop";
    public const string MessageRead = "message:read";
    public const string OfferCreate = "offer:create";
    public const string OfferRespond = "offer:respond";
    public const string OfferFeedSubscribe = "offer:feed:subscribe";
    public const string OfferFeedUnsubscribe = "offer:feed:unsubscribe";
}

/// <summary>Who events are addressed to: users and SignalR groups. With the Redis backplane both span every node.</summary>
public static class Audience
{
    /// <summary>
    /// Every connection (device) of one user: the SignalR user id (<c>Clients.User</c>), which is the token's subject
    /// (<see cref="Infrastructure.SubjectUserIdProvider"/>).
    /// </summary>
    public static string User(Guid userId) => userId.ToString();

    /// <summary>The connections that joined a conversation (<c>conversation:join</c>).</summary>
    public static string Conversation(Guid conversationId) => $"conversation:{conversationId}";

    /// <summary>The watchers of a product's offer feed (<c>offer:feed:subscribe</c>).</summary>
    public static string Product(Guid productId) => $"product:{productId}";
}

public record ConnectedEvent(Guid UserId);

public record PresenceEvent(Guid UserId);

public record PongEvent(DateTime Timestamp);

public record ErrorEvent(string Code, string Detail);

public record TypingEvent(Guid ConversationId, Guid UserId);

public record MessagesReadEvent(Guid ConversationId, Guid ReaderId);

public record MessageReadEvent(Guid ConversationId, Guid MessageId, Guid ReaderId, DateTime ReadAt);

/// <summary>A message in the same shape as REST's message (API.md "Conversations and messages").</summary>
public record MessagePayload(
    Guid Id, Guid ConversationId, Guid SenderId, string MessageType, string? Content, string[] ImageUrls, JsonElement? OfferData,
    bool IsRead, DateTime CreatedAt, string? ClientMessageId)
{
    public static MessagePayload From(MessageSent m) => new(
        m.MessageId, m.ConversationId, m.SenderId, m.MessageType, m.Content, m.ImageUrls ?? [], ParseOfferData(m.OfferData), m.IsRead,
        m.CreatedAt, m.ClientMessageId);

    static JsonElement? ParseOfferData(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
            return null;
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return JsonSerializer.SerializeToElement(json);
        }
    }
}

public record OfferProductPayload(Guid Id, string Title, decimal Price, string Currency, string Feed);

public record OfferPaymentPayload(string Provider, string? PaymentIntentId, string? ClientSecret);

public record OfferTransactionPayload(
    Guid Id, Guid OfferId, decimal Amount, decimal PlatformFee, decimal SellerPayout, string Currency, string Status, OfferPaymentPayload? Payment);

/// <summary>An offer in the same shape as REST's offer (API.md "Offers"), as seen by one party.</summary>
public record OfferPayload(
    Guid Id, Guid ProductId, Guid BuyerId, Guid SellerId, Guid ConversationId, decimal OfferedPrice, decimal? CounterPrice, string Status,
    string? Awaiting, int Round, DateTime? ExpiresAt, DateTime CreatedAt, DateTime UpdatedAt, OfferTransactionPayload? Transaction,
    OfferProductPayload Product, Guid OtherUserId)
{
    public static OfferPayload For(OfferSnapshot o, Guid viewer, OfferTransactionPayload? transaction) => new(
        o.OfferId, o.ProductId, o.BuyerId, o.SellerId, o.ConversationId, o.OfferedPrice, o.CounterPrice, o.Status, o.Awaiting, o.Round,
        o.ExpiresAt, o.CreatedAt, o.UpdatedAt, transaction, new OfferProductPayload(o.ProductId, o.ProductTitle, o.ListPrice, o.Currency, o.Feed),
        viewer == o.BuyerId ? o.SellerId : o.BuyerId);
}

/// <summary>
/// One chip of a product's scrolling offer feed. Anyone watching the product sees it, so it names no buyer.
/// </summary>
public record FeedOffer(
    Guid Id, Guid ProductId, decimal OfferedPrice, decimal? CounterPrice, string Currency, string Status, int Round, DateTime CreatedAt,
    DateTime UpdatedAt)
{
    public static FeedOffer From(OfferSnapshot o) =>
        new(o.OfferId, o.ProductId, o.OfferedPrice, o.CounterPrice, o.Currency, o.Status, o.Round, o.CreatedAt, o.UpdatedAt);
}

/// <summary>The feed on subscribe: newest first, under `items` like every list of the API.</summary>
public record FeedHistoryEvent(Guid ProductId, IReadOnlyList<FeedOffer> Items);
