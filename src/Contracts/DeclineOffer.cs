namespace SoukLoop.Contracts;

/// <summary>The awaited party declines the offer.</summary>
public record DeclineOffer(Guid OfferId, Guid ActorId, string? Message);
