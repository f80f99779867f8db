namespace SoukLoop.Contracts;

/// <summary>Asks the offer saga for its current snapshot.</summary>
public record GetOffer(Guid OfferId);
