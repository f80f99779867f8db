using MassTransit;

namespace SoukLoop.Persistence.Model;

/// <summary>
/// The offer saga instance. It is also the offer row the API reads: one table, one truth.
/// </summary>
public class OfferState : SagaStateMachineInstance, ISagaVersion
{
    public Guid CorrelationId { get; set; }
    public string CurrentState { get; set; } = "Initial";
    public int Version { get; set; }

    public Guid ProductId { get; set; }
    public string ProductTitle { get; set; } = "";
    public Guid BuyerId { get; set; }
    public Guid SellerId { get; set; }
    public Guid ConversationId { get; set; }
    public decimal ListPrice { get; set; }
    public string Currency { get; set; } = "USD";
    public string Feed { get; set; } = Feeds.Community;

    public decimal OfferedPrice { get; set; }
    public decimal? CounterPrice { get; set; }
    /// <summary>The buyer's last price on the table.</summary>
    public decimal BuyerPrice { get; set; }
    /// <summary>The seller's last price on the table (the list price until the seller counters).</summary>
    public decimal SellerPrice { get; set; }
    public int Round { get; set; }

    public DateTime? ExpiresAt { get; set; }
    public Guid? ExpirationTokenId { get; set; }
    public Guid? TransactionId { get; set; }

    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}
