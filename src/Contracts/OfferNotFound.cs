namespace SoukLoop.Contracts;

/// <summary>The answer to a command or query on an offer that does not exist.</summary>
public record OfferNotFound(Guid OfferId);
