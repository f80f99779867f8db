namespace SoukLoop.Contracts;

/// <summary>Stripe says the PaymentIntent was canceled (webhook <c>payment_intent.canceled</c>).</summary>
public record PaymentIntentCanceled(Guid TransactionId, string PaymentIntentId, string StripeEventId, string? Reason, DateTime OccurredAt);
