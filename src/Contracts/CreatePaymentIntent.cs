namespace SoukLoop.Contracts;

/// <summary>
/// The payment saga's own step after an accept: create the attempt's PaymentIntent at Stripe. Sent to itself once the saga and
/// its deadline are committed, so a Stripe outage faults this step (visible to support) and never the sale.
/// </summary>
public record CreatePaymentIntent(Guid TransactionId, Guid OfferId, int Attempt);
