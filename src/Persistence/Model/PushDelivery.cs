namespace SoukLoop.Persistence.Model;

/// <summary>
/// One push of one event to one device, claimed before it is sent: a redelivered event finds the claim and never pushes twice
/// to the same device (at most once per device; a claim whose send failed for good is released so a redelivery retries).
/// </summary>
public class PushDelivery
{
    public Guid EventMessageId { get; set; }
    public required string Token { get; set; }
    public Guid UserId { get; set; }
    public required string Kind { get; set; }
    public DateTime ClaimedAt { get; set; }
    public DateTime? SentAt { get; set; }
    public string? FcmMessageName { get; set; }
}
