namespace SoukLoop.Contracts;

/// <summary>Stripe says the PaymentIntent succeeded (webhook <c>payment_intent.succeeded</c>), keyed by the transaction in its metadata.</summary>
public record PaymentSucceeded(Guid TransactionId, string PaymentIntentId, string StripeEventId, string? ChargeId, DateTime OccurredAt);
