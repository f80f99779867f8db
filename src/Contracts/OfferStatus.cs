namespace SoukLoop.Contracts;

/// <summary>The answer to an offer command that was applied, or to <see cref="GetOffer"/>.</summary>
public record OfferStatus(Guid OfferId, OfferSnapshot Offer);
