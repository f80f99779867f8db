using MassTransit;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using SoukLoop.Contracts;
using SoukLoop.Persistence;
using SoukLoop.Realtime.Hubs;
using SoukLoop.Realtime.State;
using SoukLoop.Realtime.Infrastructure;

namespace SoukLoop.Realtime.Consumers;

/// <summary>
/// The routing shared by the offer consumers. Each party gets the offer in REST's shape as they would see it through
/// <c>GET /offers/{id}</c> (other_user_id, and the payment's client secret for the buyer only).
/// </summary>
public abstract class OfferEventConsumer(IHubContext<RealtimeHub> hub, OfferFeedStore feed, SoukDbContext db)
{
    protected IHubContext<RealtimeHub> Hub => hub;
    protected OfferFeedStore Feed => feed;

    /// <summary>
    /// <c>offer:updated</c> to every device of both parties; the feed entry follows the new status. A late event, older
    /// than a state already pushed, is dropped: it would show the parties a state the offer has left.
    /// </summary>
    protected async Task UpdatedAsync(OfferSnapshot offer, TransactionSnapshot? transaction, CancellationToken cancellationToken)
    {
        if (await feed.UpdateAsync(FeedOffer.From(offer), offer.Version) == FeedChange.Stale)
            return;
        var (forBuyer, forSeller) = await TransactionPayloads(transaction, cancellationToken);
        await SendAsync(offer.BuyerId, ServerEvents.OfferUpdated, OfferPayload.For(offer, offer.BuyerId, forBuyer), cancellationToken);
        await SendAsync(offer.SellerId, ServerEvents.OfferUpdated, OfferPayload.For(offer, offer.SellerId, forSeller), cancellationToken);
    }

    protected Task SendAsync(Guid userId, string @event, object payload, CancellationToken cancellationToken) =>
        hub.Clients.User(Audience.User(userId)).PushAsync(@event, payload, cancellationToken);

    async Task<(OfferTransactionPayload? Buyer, OfferTransactionPayload? Seller)> TransactionPayloads(TransactionSnapshot? t,
        CancellationToken cancellationToken)
    {
        if (t is null)
            return (null, null);
        var payment = await db.Transactions.AsNoTracking()
            .Where(x => x.Id == t.TransactionId)
            .Select(x => new { x.PaymentIntentId, x.ClientSecret, x.Status })
            .SingleOrDefaultAsync(cancellationToken);
        var status = payment?.Status ?? t.Status;
        return (Payload(payment?.PaymentIntentId, payment?.ClientSecret), Payload(payment?.PaymentIntentId, null));

        OfferTransactionPayload Payload(string? intent, string? secret) => new(t.TransactionId, t.OfferId, t.Amount, t.PlatformFee,
            t.SellerPayout, t.Currency, status, new OfferPaymentPayload("stripe", intent, secret));
    }
}

/// <summary>
/// A new offer: <c>offer:new</c> to the awaited party (the seller), <c>offer:created</c> to the buyer who made it (every
/// device, so it also confirms offers made through REST), and <c>offer:feed:new</c> to the product's watchers.
/// </summary>
public sealed class OfferMadeConsumer(IHubContext<RealtimeHub> hub, OfferFeedStore feed, SoukDbContext db)
    : OfferEventConsumer(hub, feed, db), IConsumer<OfferMade>
{
    public const string Queue = "realtime-offer-made";

    public async Task Consume(ConsumeContext<OfferMade> context)
    {
        var offer = context.Message.Offer;
        var ct = context.CancellationToken;
        var entry = FeedOffer.From(offer);
        var change = await Feed.AppendAsync(entry, offer.Version);
        if (change == FeedChange.Stale)
            return;
        if (change == FeedChange.Changed)
            await Hub.Clients.Group(Audience.Product(offer.ProductId)).PushAsync(ServerEvents.OfferFeedNew, entry, ct);

        var awaited = offer.Awaiting == "buyer" ? offer.BuyerId : offer.SellerId;
        await SendAsync(awaited, ServerEvents.OfferNew, OfferPayload.For(offer, awaited, null), ct);
        await SendAsync(offer.BuyerId, ServerEvents.OfferCreated, OfferPayload.For(offer, offer.BuyerId, null), ct);
    }
}

public sealed class OfferCounteredConsumer(IHubContext<RealtimeHub> hub, OfferFeedStore feed, SoukDbContext db)
    : OfferEventConsumer(hub, feed, db), IConsumer<OfferCountered>
{
    public const string Queue = "realtime-offer-countered";

    public Task Consume(ConsumeContext<OfferCountered> context) => UpdatedAsync(context.Message.Offer, null, context.CancellationToken);
}

public sealed class OfferAcceptedConsumer(IHubContext<RealtimeHub> hub, OfferFeedStore feed, SoukDbContext db)
    : OfferEventConsumer(hub, feed, db), IConsumer<OfferAccepted>
{
    public const string Queue = "realtime-offer-accepted";

    public Task Consume(ConsumeContext<OfferAccepted> context) =>
        UpdatedAsync(context.Message.Offer, context.Message.Transaction, context.CancellationToken);
}

public sealed class OfferDeclinedConsumer(IHubContext<RealtimeHub> hub, OfferFeedStore feed, SoukDbContext db)
    : OfferEventConsumer(hub, feed, db), IConsumer<OfferDeclined>
{
    public const string Queue = "realtime-offer-declined";

    public Task Consume(ConsumeContext<OfferDeclined> context) => UpdatedAsync(context.Message.Offer, null, context.CancellationToken);
}

public sealed class OfferWithdrawnConsumer(IHubContext<RealtimeHub> hub, OfferFeedStore feed, SoukDbContext db)
    : OfferEventConsumer(hub, feed, db), IConsumer<OfferWithdrawn>
{
    public const string Queue = "realtime-offer-withdrawn";

    public Task Consume(ConsumeContext<OfferWithdrawn> context) => UpdatedAsync(context.Message.Offer, null, context.CancellationToken);
}

public sealed class OfferExpiredConsumer(IHubContext<RealtimeHub> hub, OfferFeedStore feed, SoukDbContext db)
    : OfferEventConsumer(hub, feed, db), IConsumer<OfferExpired>
{
    public const string Queue = "realtime-offer-expired";

    public Task Consume(ConsumeContext<OfferExpired> context) => UpdatedAsync(context.Message.Offer, null, context.CancellationToken);
}
