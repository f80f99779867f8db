namespace SoukLoop.Contracts;

/// <summary>One side countered; the other side is awaited.</summary>
public record OfferCountered(Guid OfferId, OfferSnapshot Offer, Guid ActorId, decimal CounterPrice, string? Message, DateTime OccurredAt);
