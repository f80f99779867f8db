namespace SoukLoop.Contracts;

/// <summary>
/// Pay out the seller's paid sales that wait for a connected account, if the seller has one now (sent by the Api after
/// <c>PUT /users/me/payout-account</c>, and by the Workers' payout sweep). Applying it twice moves no money twice.
/// </summary>
public record ReleaseHeldPayouts(Guid SellerId);
