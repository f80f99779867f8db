namespace SoukLoop.Contracts;

/// <summary>The buyer takes back an open offer.</summary>
public record WithdrawOffer(Guid OfferId, Guid ActorId);
