namespace SoukLoop.Contracts;

/// <summary>Support re-arms the expiry timeout of an open offer whose timeout was lost.</summary>
public record RearmOfferExpiry(Guid OfferId, Guid ActorId, string Reason);
