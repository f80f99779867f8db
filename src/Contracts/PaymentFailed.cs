namespace SoukLoop.Contracts;

/// <summary>Stripe says an attempt to pay failed (webhook <c>payment_intent.payment_failed</c>); the buyer may retry.</summary>
public record PaymentFailed(Guid TransactionId, string PaymentIntentId, string StripeEventId, string? FailureCode, string? FailureMessage,
    DateTime OccurredAt);
