using MassTransit;

namespace SoukLoop.Persistence.Model;

/// <summary>
/// The payment saga instance, one per transaction (<see cref="CorrelationId"/> is the transaction id), in its own
/// <c>payments</c> table. The transaction row stays what the API reads (status, payment_intent_id, client_secret); this
/// row holds the saga's bookkeeping: attempts, the deadline, the payout.
/// </summary>
public class PaymentState : SagaStateMachineInstance, ISagaVersion
{
    public Guid CorrelationId { get; set; }
    public string CurrentState { get; set; } = "Initial";
    public int Version { get; set; }

    public Guid OfferId { get; set; }
    public Guid ProductId { get; set; }
    public string ProductTitle { get; set; } = "";
    public Guid ConversationId { get; set; }
    public Guid BuyerId { get; set; }
    public Guid SellerId { get; set; }
    public decimal Amount { get; set; }
    public decimal PlatformFee { get; set; }
    public decimal SellerPayout { get; set; }
    public string Currency { get; set; } = "USD";

    /// <summary>1 for the PaymentIntent made on accept; a retry after a cancelled intent makes attempt 2, 3, …</summary>
    public int Attempt { get; set; }
    public string? PaymentIntentId { get; set; }
    public string? ChargeId { get; set; }
    public string? FailureCode { get; set; }
    public string? FailureMessage { get; set; }
    public DateTime? PayBy { get; set; }
    public Guid? DeadlineTokenId { get; set; }

    /// <summary>none → destination_charge (Stripe pays the seller) | awaiting_account → transfer_sent.</summary>
    public string PayoutStatus { get; set; } = PayoutStatuses.None;
    /// <summary>The connected account the charge or the transfer pays.</summary>
    public string? PayoutAccountId { get; set; }
    public string? TransferId { get; set; }

    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public DateTime? PaidAt { get; set; }
}

public static class PayoutStatuses
{
    public const string None = "none";
    public const string DestinationCharge = "destination_charge";
    public const string AwaitingAccount = "awaiting_account";
    public const string TransferPending = "transfer_pending";
    public const string TransferSent = "transfer_sent";
}
