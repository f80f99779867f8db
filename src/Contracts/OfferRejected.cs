namespace SoukLoop.Contracts;

/// <summary>The answer to an offer command that broke a rule; nothing changed.</summary>
public record OfferRejected(Guid OfferId, string Code, int HttpStatus, string Detail);
