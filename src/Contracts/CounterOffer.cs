namespace SoukLoop.Contracts;

/// <summary>The awaited party answers with a price between the two sides' last prices.</summary>
public record CounterOffer(Guid OfferId, Guid ActorId, decimal CounterPrice, string? Message);
