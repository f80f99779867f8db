namespace SoukLoop.Persistence.Model;

/// <summary>A Stripe webhook event id that was acted on once: the same event delivered again is acknowledged and ignored.</summary>
public class StripeEventRecord
{
    public required string Id { get; set; }
    public required string Type { get; set; }
    public string? PaymentIntentId { get; set; }
    public Guid? TransactionId { get; set; }
    public DateTime ReceivedAt { get; set; }
}
