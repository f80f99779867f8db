namespace SoukLoop.Contracts;

/// <summary>The buyer withdrew the offer.</summary>
public record OfferWithdrawn(Guid OfferId, OfferSnapshot Offer, Guid ActorId, DateTime OccurredAt);
