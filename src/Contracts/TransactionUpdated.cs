namespace SoukLoop.Contracts;

/// <summary>
/// Any change of a transaction (payment requested, paid, failed, retried, cancelled, paid out): the Realtime node pushes it as
/// <c>transaction:updated</c> to the buyer and the seller. <see cref="Change"/> names what happened; <see cref="ActorId"/> is the user
/// who caused it (null for Stripe or a timeout). The client secret is never in it: the buyer reads it from the API.
/// </summary>
public record TransactionUpdated(
    Guid TransactionId,
    TransactionSnapshot Transaction,
    Guid BuyerId,
    Guid SellerId,
    Guid ConversationId,
    string ProductTitle,
    string Status,
    string Change,
    Guid? ActorId,
    string? PaymentIntentId,
    DateTime? PayBy,
    string PayoutStatus,
    string? FailureCode,
    string? FailureMessage,
    DateTime OccurredAt);
