namespace SoukLoop.Contracts;

/// <summary>The awaited side accepted; the product is sold and the transaction exists.</summary>
public record OfferAccepted(Guid OfferId, OfferSnapshot Offer, Guid ActorId, TransactionSnapshot Transaction, DateTime OccurredAt);
