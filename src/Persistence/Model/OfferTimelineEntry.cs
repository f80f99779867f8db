namespace SoukLoop.Persistence.Model;

/// <summary>One consumed command or event of an offer saga: what support reads to answer "what happened, and why?".</summary>
public class OfferTimelineEntry
{
    public long Id { get; set; }
    public Guid OfferId { get; set; }
    public DateTime At { get; set; }
    public required string Action { get; set; }
    public Guid? ActorId { get; set; }
    public string? StateBefore { get; set; }
    public string? StateAfter { get; set; }
    public decimal? Price { get; set; }
    public string? Detail { get; set; }
    public Guid? MessageId { get; set; }
    public Guid? CorrelationId { get; set; }
    public string? TraceId { get; set; }
}
