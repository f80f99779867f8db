using MassTransit;
using Microsoft.EntityFrameworkCore;
using SoukLoop.Contracts;
using SoukLoop.Persistence;
using SoukLoop.Persistence.Model;

namespace SoukLoop.Workers.Notifications;

/// <summary>
/// Push notifications for what happens while the app is closed: a chat message (only when the recipient has no live Realtime
/// connection), every offer move and payment outcome. Always to the other party, never to the one who acted; events without an
/// actor (a timeout, the product selling to someone else, a cancelled payment) go to every party they concern.
/// </summary>
public class NotificationsConsumer(PushDispatcher push, SoukDbContext db, ILogger<NotificationsConsumer> logger) :
    IConsumer<MessageSent>,
    IConsumer<OfferMade>,
    IConsumer<OfferCountered>,
    IConsumer<OfferAccepted>,
    IConsumer<OfferDeclined>,
    IConsumer<OfferWithdrawn>,
    IConsumer<OfferExpired>,
    IConsumer<TransactionUpdated>
{
    public async Task Consume(ConsumeContext<MessageSent> context)
    {
        var m = context.Message;
        // Offer and system lines are told by the offer and payment pushes below.
        if (m.MessageType is MessageTypes.Offer or MessageTypes.System || m.RecipientId == m.SenderId)
            return;
        if (await push.IsOnlineAsync(m.RecipientId))
        {
            logger.LogDebug("User {UserId} is online: message {MessageId} goes over Realtime, no push", m.RecipientId, m.MessageId);
            return;
        }

        var sender = await NameOf(m.SenderId, context.CancellationToken);
        var body = m.MessageType == MessageTypes.Image ? "📷 Photo" : Shorten(m.Content ?? "");
        await Send(context, m.RecipientId, new PushNotification("message", sender, body, new Dictionary<string, string>
        {
            ["type"] = "message",
            ["conversation_id"] = m.ConversationId.ToString(),
            ["message_id"] = m.MessageId.ToString(),
            ["sender_id"] = m.SenderId.ToString()
        }, PushNotification.ThreadOf(m.ConversationId)));
    }

    public async Task Consume(ConsumeContext<OfferMade> context)
    {
        var o = context.Message.Offer;
        var buyer = await NameOf(o.BuyerId, context.CancellationToken);
        await ToOthers(context, o, context.Message.ActorId, "offer_made", "New offer",
            $"{buyer} offered {PushNotification.Price(o.OfferedPrice, o.Currency)} for {o.ProductTitle}");
    }

    public async Task Consume(ConsumeContext<OfferCountered> context)
    {
        var o = context.Message.Offer;
        var actor = await NameOf(context.Message.ActorId, context.CancellationToken);
        await ToOthers(context, o, context.Message.ActorId, "offer_countered", "Counter offer",
            $"{actor} countered at {PushNotification.Price(context.Message.CounterPrice, o.Currency)} for {o.ProductTitle}");
    }

    public async Task Consume(ConsumeContext<OfferAccepted> context)
    {
        var o = context.Message.Offer;
        var t = context.Message.Transaction;
        var actor = await NameOf(context.Message.ActorId, context.CancellationToken);
        await ToOthers(context, o, context.Message.ActorId, "offer_accepted", "Offer accepted",
            $"{actor} accepted {PushNotification.Price(t.Amount, t.Currency)} for {o.ProductTitle}",
            ("transaction_id", t.TransactionId.ToString()));
    }

    public Task Consume(ConsumeContext<OfferDeclined> context)
    {
        var o = context.Message.Offer;
        return context.Message.ActorId is { } actor
            ? ToOthers(context, o, actor, "offer_declined", "Offer declined", $"Your offer for {o.ProductTitle} was declined")
            // The product sold to another buyer: only this offer's buyer needs to know.
            : ToUsers(context, o, [o.BuyerId], "offer_declined", "Item sold", $"{o.ProductTitle} was sold to another buyer");
    }

    public async Task Consume(ConsumeContext<OfferWithdrawn> context)
    {
        var o = context.Message.Offer;
        var actor = await NameOf(context.Message.ActorId, context.CancellationToken);
        await ToOthers(context, o, context.Message.ActorId, "offer_withdrawn", "Offer withdrawn", $"{actor} withdrew the offer for {o.ProductTitle}");
    }

    public Task Consume(ConsumeContext<OfferExpired> context)
    {
        var o = context.Message.Offer;
        return ToOthers(context, o, context.Message.ActorId, "offer_expired", "Offer expired", $"The offer for {o.ProductTitle} expired");
    }

    public Task Consume(ConsumeContext<TransactionUpdated> context)
    {
        var u = context.Message;
        var t = u.Transaction;
        var price = PushNotification.Price(t.Amount, t.Currency);
        (string Type, string Title, string Body)? push = u.Change switch
        {
            "paid" => ("payment_succeeded", "Payment received", $"{price} was paid for {u.ProductTitle}"),
            "payment_failed" => ("payment_failed", "Payment failed", $"The payment of {price} for {u.ProductTitle} did not go through"),
            "cancelled" => ("payment_cancelled", "Sale cancelled", $"{u.ProductTitle} was not paid in time; the sale is cancelled"),
            _ => null
        };
        if (push is not { } p)
            return Task.CompletedTask;

        var recipients = new[] { u.BuyerId, u.SellerId }.Where(id => id != u.ActorId).ToArray();
        var data = new Dictionary<string, string>
        {
            ["type"] = p.Type,
            ["transaction_id"] = u.TransactionId.ToString(),
            ["offer_id"] = t.OfferId.ToString(),
            ["product_id"] = t.ProductId.ToString(),
            ["conversation_id"] = u.ConversationId.ToString(),
            ["status"] = u.Status
        };
        return SendAll(context, recipients, new PushNotification(p.Type, p.Title, p.Body, data, PushNotification.ThreadOf(u.ConversationId)));
    }

    Task ToOthers<T>(ConsumeContext<T> context, OfferSnapshot o, Guid? actorId, string type, string title, string body,
        params (string Key, string Value)[] extra) where T : class =>
        ToUsers(context, o, new[] { o.BuyerId, o.SellerId }.Where(id => id != actorId).ToArray(), type, title, body, extra);

    Task ToUsers<T>(ConsumeContext<T> context, OfferSnapshot o, Guid[] recipients, string type, string title, string body,
        params (string Key, string Value)[] extra) where T : class
    {
        var data = new Dictionary<string, string>
        {
            ["type"] = type,
            ["offer_id"] = o.OfferId.ToString(),
            ["product_id"] = o.ProductId.ToString(),
            ["conversation_id"] = o.ConversationId.ToString(),
            ["status"] = o.Status
        };
        foreach (var (key, value) in extra)
            data[key] = value;
        return SendAll(context, recipients, new PushNotification(type, title, body, data, PushNotification.ThreadOf(o.ConversationId)));
    }

    async Task SendAll<T>(ConsumeContext<T> context, Guid[] recipients, PushNotification notification) where T : class
    {
        var failures = new List<Exception>();
        foreach (var recipient in recipients.Distinct())
        {
            try { await Send(context, recipient, notification); }
            catch (AggregateException ex) { failures.Add(ex); }
        }
        if (failures.Count > 0)
            throw new AggregateException(failures);
    }

    Task Send<T>(ConsumeContext<T> context, Guid recipient, PushNotification notification) where T : class =>
        push.SendAsync(context.MessageId ?? throw new InvalidOperationException("A message id is needed to push once per device"),
            recipient, notification, context.CancellationToken);

    async Task<string> NameOf(Guid userId, CancellationToken cancellationToken) =>
        await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => u.DisplayName).SingleOrDefaultAsync(cancellationToken) ?? "Someone";

    static string Shorten(string text) => text.Length <= 180 ? text : text[..179] + "…";
}
