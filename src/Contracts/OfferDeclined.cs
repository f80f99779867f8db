namespace SoukLoop.Contracts;

/// <summary>The awaited side declined, or the system closed the offer because the product sold.</summary>
public record OfferDeclined(Guid OfferId, OfferSnapshot Offer, Guid? ActorId, string Reason, DateTime OccurredAt);
