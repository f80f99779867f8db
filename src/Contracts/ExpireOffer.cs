namespace SoukLoop.Contracts;

/// <summary>Support forces an open offer to expire now; the reason lands in the timeline.</summary>
public record ExpireOffer(Guid OfferId, Guid ActorId, string Reason);
