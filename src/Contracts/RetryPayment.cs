namespace SoukLoop.Contracts;

/// <summary>The buyer wants to pay again after a failed attempt (request; answered with PaymentStatus or PaymentRejected).</summary>
public record RetryPayment(Guid TransactionId, Guid ActorId);
