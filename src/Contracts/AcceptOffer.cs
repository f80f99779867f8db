namespace SoukLoop.Contracts;

/// <summary>The awaited party accepts the last price on the table.</summary>
public record AcceptOffer(Guid OfferId, Guid ActorId);
