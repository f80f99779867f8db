namespace SoukLoop.Contracts;

/// <summary>The payment saga's answer to a request: where the transaction's payment stands now.</summary>
public record PaymentStatus(Guid TransactionId, TransactionSnapshot Transaction, string? PaymentIntentId, int Attempt, DateTime? PayBy);
