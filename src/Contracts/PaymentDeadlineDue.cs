namespace SoukLoop.Contracts;

/// <summary>The payment saga's scheduled timeout: the buyer did not pay within <c>Payments:PayWithin</c>.</summary>
public record PaymentDeadlineDue(Guid TransactionId);
