namespace SoukLoop.Contracts;

/// <summary>The buyer did not pay in time: the PaymentIntent is cancelled and the product is available again.</summary>
public record PaymentCancelled(Guid TransactionId, TransactionSnapshot Transaction, Guid ConversationId, string Reason, DateTime OccurredAt);
