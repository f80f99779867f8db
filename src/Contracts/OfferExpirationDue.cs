namespace SoukLoop.Contracts;

/// <summary>The scheduled timeout of an offer: fired by the scheduler when the expiry time is reached.</summary>
public record OfferExpirationDue(Guid OfferId);
