namespace SoukLoop.Contracts;

/// <summary>The payment saga's own step after Paid is committed: transfer the seller's payout (retried on its own).</summary>
public record SendPayout(Guid TransactionId, Guid OfferId);
