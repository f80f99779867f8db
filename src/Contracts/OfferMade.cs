namespace SoukLoop.Contracts;

/// <summary>A buyer made an offer; the seller is awaited.</summary>
public record OfferMade(Guid OfferId, OfferSnapshot Offer, Guid ActorId, string? Message, DateTime OccurredAt);
