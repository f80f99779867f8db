namespace SoukLoop.Contracts;

/// <summary>A seller set their Stripe connected account: paid transactions waiting for a payout can be transferred now.</summary>
public record PayoutAccountConnected(Guid SellerId, string StripeAccountId, DateTime OccurredAt);
