using SoukLoop.Contracts;
using SoukLoop.Persistence.Model;

namespace SoukLoop.Workers.Offers;

public static class OfferSnapshots
{
    public static string Status(this OfferState offer) => offer.CurrentState.ToLowerInvariant();

    public static string? Awaiting(this OfferState offer) => offer.CurrentState switch
    {
        nameof(OfferStateMachine.Pending) => "seller",
        nameof(OfferStateMachine.Countered) => "buyer",
        _ => null
    };

    public static OfferSnapshot ToSnapshot(this OfferState o) => new(
        o.CorrelationId, o.ProductId, o.ProductTitle, o.BuyerId, o.SellerId, o.ConversationId, o.Status(), o.Awaiting(),
        o.OfferedPrice, o.CounterPrice, o.ListPrice, o.Currency, o.Feed, o.Round, o.ExpiresAt, o.CreatedAt, o.UpdatedAt, o.TransactionId,
        // The repository stores a new offer as version 1 and adds one per stored move (PostgresSagaRepositoryContext).
        o.Version + 1);

    public static TransactionSnapshot ToSnapshot(this Transaction t) => new(
        t.Id, t.OfferId, t.ProductId, t.BuyerId, t.SellerId, t.Amount, t.PlatformFee, t.SellerPayout, t.Currency, t.Status);
}

public static class OfferMoves
{
    /// <summary>Who made a move; null for the system (timeouts, a sale closing other offers).</summary>
    public static Guid? ActorOf(object message) => message switch
    {
        MakeOffer m => m.BuyerId,
        AcceptOffer m => m.ActorId,
        DeclineOffer m => m.ActorId,
        CounterOffer m => m.ActorId,
        WithdrawOffer m => m.ActorId,
        ExpireOffer m => m.ActorId,
        RearmOfferExpiry m => m.ActorId,
        _ => null
    };

    public static Guid OfferIdOf(object message) => message switch
    {
        MakeOffer m => m.OfferId,
        AcceptOffer m => m.OfferId,
        DeclineOffer m => m.OfferId,
        CounterOffer m => m.OfferId,
        WithdrawOffer m => m.OfferId,
        ExpireOffer m => m.OfferId,
        RearmOfferExpiry m => m.OfferId,
        CloseOffer m => m.OfferId,
        GetOffer m => m.OfferId,
        OfferExpirationDue m => m.OfferId,
        _ => Guid.Empty
    };

    public static decimal? PriceOf(object message) => message switch
    {
        MakeOffer m => m.OfferedPrice,
        CounterOffer m => m.CounterPrice,
        _ => null
    };

    public static string? ReasonOf(object message) => message switch
    {
        ExpireOffer m => m.Reason,
        RearmOfferExpiry m => m.Reason,
        _ => null
    };

    /// <summary>The price on the table for the awaited party: the buyer's while the seller decides, the seller's counter after.</summary>
    public static decimal AgreedPrice(this OfferState offer) =>
        offer.CurrentState == nameof(OfferStateMachine.Countered) ? offer.SellerPrice : offer.BuyerPrice;

    public static void Open(this OfferState offer, MakeOffer message, DateTime now)
    {
        offer.BuyerId = message.BuyerId;
        offer.OfferedPrice = message.OfferedPrice;
        offer.BuyerPrice = message.OfferedPrice;
        offer.SellerPrice = offer.ListPrice;
        offer.Round = 1;
        offer.CreatedAt = now;
        offer.UpdatedAt = now;
    }

    public static void Counter(this OfferState offer, CounterOffer message, DateTime now)
    {
        if (message.ActorId == offer.SellerId)
            offer.SellerPrice = message.CounterPrice;
        else
            offer.BuyerPrice = message.CounterPrice;
        offer.CounterPrice = message.CounterPrice;
        offer.Round++;
        offer.UpdatedAt = now;
    }
}
