namespace SoukLoop.Contracts;

/// <summary>Nobody moved before the expiry time (or support forced the expiry).</summary>
public record OfferExpired(Guid OfferId, OfferSnapshot Offer, Guid? ActorId, DateTime OccurredAt);
