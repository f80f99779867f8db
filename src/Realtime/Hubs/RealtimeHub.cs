using System.Text.Json;
using MassTransit;
using Microsoft.AspNetCore.SignalR;
using SoukLoop.Contracts;
using SoukLoop.Realtime.Infrastructure;
using SoukLoop.Realtime.State;
using SoukLoop.ServiceDefaults;

namespace SoukLoop.Realtime.Hubs;

/// <summary>
/// The one hub of the Realtime node (<c>/hubs/realtime</c>). A thin edge: each method checks the payload's shape, then
/// sends the same command REST sends (the Workers own every rule) or touches the Redis state of presence, typing and
/// the offer feed. Errors go back as <c>error {code, detail}</c> to the calling connection only. Every method takes
/// exactly one argument, a JSON object (SignalR binds arguments by count; <c>heartbeat</c> accepts <c>{}</c> or null).
/// Only authenticated requests reach it: the hub path refuses anonymous ones with 401 (<see cref="HubAuthentication"/>).
/// </summary>
public sealed class RealtimeHub(
    PresenceStore presence,
    TypingStore typing,
    OfferFeedStore feed,
    ConversationDirectory directory,
    PresenceNotifier notifier,
    HubCommands commands,
    IPublishEndpoint publish,
    MessageSendLimiter sendLimiter,
    ConnectionCounter counter) : Hub
{
    Guid? _userId;

    /// <summary>
    /// The caller, read from the connection's principal once per invocation (a hub instance serves one) rather than kept
    /// in <c>Context.Items</c>: the first item would give every connection a dictionary of its own (about 0.6 KB).
    /// </summary>
    Guid UserId => _userId ??= Context.User?.UserId() ?? Guid.Empty;

    public override async Task OnConnectedAsync()
    {
        var userId = UserId;
        if (userId == Guid.Empty)
        {
            // A valid token without a usable subject: nobody to deliver to.
            Context.Abort();
            return;
        }
        counter.Opened();
        try
        {
            if (await presence.ConnectAsync(userId, Context.ConnectionId))
                await notifier.OnlineAsync(userId);
            await Clients.Caller.SendAsync(ServerEvents.Connected, new ConnectedEvent(userId));
        }
        catch (Exception)
        {
            // SignalR closes the connection without calling OnDisconnectedAsync: undo what was registered (best effort;
            // a presence entry left behind expires with the presence timeout).
            counter.Closed();
            try { await presence.DisconnectAsync(userId, Context.ConnectionId); }
            catch (Exception) { /* Redis is the likely cause; the sweeper cleans up */ }
            throw;
        }
    }

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        // A connection without a usable subject was aborted in OnConnectedAsync before it was counted.
        var userId = UserId;
        if (userId == Guid.Empty)
            return;
        counter.Closed();
        if (await presence.DisconnectAsync(userId, Context.ConnectionId))
            await notifier.OfflineAsync(userId);
    }

    [HubMethodName(HubMethods.Heartbeat)]
    public async Task Heartbeat(JsonElement? payload)
    {
        if (await presence.HeartbeatAsync(UserId, Context.ConnectionId))
            await notifier.OnlineAsync(UserId);
        await Clients.Caller.SendAsync(ServerEvents.Pong, new PongEvent(DateTime.UtcNow));
    }

    /// <summary>Joins the conversation's group and marks it read (the seed's behaviour), for its two participants only.</summary>
    [HubMethodName(HubMethods.ConversationJoin)]
    public async Task JoinConversation(JsonElement payload)
    {
        var request = HubRequests.Parse<ConversationRequest>(payload);
        var conversationId = HubRequests.Required(request.ConversationId, "conversation_id");
        await Member(conversationId);
        await JoinGroupAsync(Audience.Conversation(conversationId));
        await publish.Publish(new MarkConversationRead(conversationId, UserId), Context.ConnectionAborted);
    }

    [HubMethodName(HubMethods.ConversationLeave)]
    public async Task LeaveConversation(JsonElement payload)
    {
        var request = HubRequests.Parse<ConversationRequest>(payload);
        var conversationId = HubRequests.Required(request.ConversationId, "conversation_id");
        await Groups.RemoveFromGroupAsync(Context.ConnectionId, Audience.Conversation(conversationId));
    }

    /// <summary>Sends <see cref="SendMessage"/>; the stored message comes back as <c>message:delivered</c> (and <c>message:new</c> to the recipient).</summary>
    [HubMethodName(HubMethods.MessageSend)]
    public async Task SendMessage(JsonElement payload)
    {
        var request = HubRequests.Parse<SendMessageRequest>(payload);
        var conversationId = HubRequests.Required(request.ConversationId, "conversation_id");
        var (type, content, images, clientMessageId) = HubRequests.Message(request);
        await Member(conversationId);
        sendLimiter.Acquire(UserId);
        await commands.SendMessageAsync(new Contracts.SendMessage(conversationId, NewId.NextGuid(), UserId, type, content, images, clientMessageId),
            Context.ConnectionAborted);
    }

    [HubMethodName(HubMethods.TypingStart)]
    public async Task StartTyping(JsonElement payload)
    {
        var (conversationId, recipient) = await TypingPartner(payload);
        if (await typing.StartAsync(conversationId, UserId, recipient))
            await Clients.User(Audience.User(recipient)).SendAsync(ServerEvents.TypingActive, new TypingEvent(conversationId, UserId));
    }

    [HubMethodName(HubMethods.TypingStop)]
    public async Task StopTyping(JsonElement payload)
    {
        var (conversationId, recipient) = await TypingPartner(payload);
        if (await typing.StopAsync(conversationId, UserId, recipient))
            await Clients.User(Audience.User(recipient)).SendAsync(ServerEvents.TypingInactive, new TypingEvent(conversationId, UserId));
    }

    /// <summary>The conversation of a typing payload (the caller must take part in it) and the other participant.</summary>
    async Task<(Guid ConversationId, Guid Recipient)> TypingPartner(JsonElement payload)
    {
        var request = HubRequests.Parse<ConversationRequest>(payload);
        var conversationId = HubRequests.Required(request.ConversationId, "conversation_id");
        var participants = await Member(conversationId);
        return (conversationId, participants.Other(UserId));
    }

    /// <summary>Publishes <see cref="MarkMessageRead"/>; the sender gets <c>message:read</c> once the Workers stored it.</summary>
    [HubMethodName(HubMethods.MessageRead)]
    public async Task ReadMessage(JsonElement payload)
    {
        var request = HubRequests.Parse<MessageReadRequest>(payload);
        var messageId = HubRequests.Required(request.MessageId, "message_id");
        await publish.Publish(new MarkMessageRead(messageId, UserId), Context.ConnectionAborted);
    }

    /// <summary>Sends <see cref="MakeOffer"/> exactly as <c>POST /offers</c> does; success arrives as <c>offer:created</c>.</summary>
    [HubMethodName(HubMethods.OfferCreate)]
    public async Task CreateOffer(JsonElement payload)
    {
        var request = HubRequests.Parse<CreateOfferRequest>(payload);
        var productId = HubRequests.Required(request.ProductId, "product_id");
        var price = HubRequests.Price(request.OfferedPrice, "offered_price");
        var message = HubRequests.OfferMessage(request.Message);
        await commands.OfferAsync(new MakeOffer(NewId.NextGuid(), productId, UserId, price, message), Context.ConnectionAborted);
    }

    /// <summary>accept / decline / counter: the same commands as the PATCH routes; success arrives as <c>offer:updated</c>.</summary>
    [HubMethodName(HubMethods.OfferRespond)]
    public async Task RespondToOffer(JsonElement payload)
    {
        var request = HubRequests.Parse<RespondOfferRequest>(payload);
        var offerId = HubRequests.Required(request.OfferId, "offer_id");
        var message = HubRequests.OfferMessage(request.Message);
        switch (request.Action?.Trim().ToLowerInvariant())
        {
            case "accept":
                await commands.OfferAsync(new AcceptOffer(offerId, UserId), Context.ConnectionAborted);
                break;
            case "decline":
                await commands.OfferAsync(new DeclineOffer(offerId, UserId, message), Context.ConnectionAborted);
                break;
            case "counter":
                var counterPrice = HubRequests.Price(request.CounterPrice, "counter_price");
                await commands.OfferAsync(new CounterOffer(offerId, UserId, counterPrice, message), Context.ConnectionAborted);
                break;
            case null or "":
                throw HubRequests.Invalid("action is required.");
            default:
                throw HubRequests.Invalid("action is one of accept, decline, counter.");
        }
    }

    /// <summary>Joins the product's feed group, then sends the last offers (newest first) to the caller.</summary>
    [HubMethodName(HubMethods.OfferFeedSubscribe)]
    public async Task SubscribeFeed(JsonElement payload)
    {
        var request = HubRequests.Parse<FeedRequest>(payload);
        var productId = HubRequests.Required(request.ProductId, "product_id");
        if (!await directory.ProductExistsAsync(productId, Context.ConnectionAborted))
            throw new HubRequestException("product_not_found", "The product does not exist.");
        // Join first: an offer made meanwhile shows up in the history, as offer:feed:new, or both (same id) — never in neither.
        await JoinGroupAsync(Audience.Product(productId));
        var history = await feed.HistoryAsync(productId);
        await Clients.Caller.SendAsync(ServerEvents.OfferFeedHistory, new FeedHistoryEvent(productId, history));
    }

    [HubMethodName(HubMethods.OfferFeedUnsubscribe)]
    public async Task UnsubscribeFeed(JsonElement payload)
    {
        var request = HubRequests.Parse<FeedRequest>(payload);
        var productId = HubRequests.Required(request.ProductId, "product_id");
        await Groups.RemoveFromGroupAsync(Context.ConnectionId, Audience.Product(productId));
    }

    /// <summary>
    /// Joins a group; if the join fails it is rolled back, so the caller gets an error and may simply try again. (Groups
    /// are local to the node that holds the connection, so with <see cref="RedisBackplane{THub}"/> a join touches no
    /// Redis subscription.)
    /// </summary>
    async Task JoinGroupAsync(string group)
    {
        try
        {
            await Groups.AddToGroupAsync(Context.ConnectionId, group);
        }
        catch (Exception)
        {
            try { await Groups.RemoveFromGroupAsync(Context.ConnectionId, group); }
            catch (Exception) { /* the original failure is the one to report */ }
            throw;
        }
    }

    async Task<ConversationDirectory.Participants> Member(Guid conversationId) =>
        await directory.FindForMemberAsync(conversationId, UserId, Context.ConnectionAborted)
        ?? throw new HubRequestException("conversation_not_found", "The conversation does not exist.");
}
