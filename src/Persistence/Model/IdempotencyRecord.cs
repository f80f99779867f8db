namespace SoukLoop.Persistence.Model;

/// <summary>The first answer to a request sent with an Idempotency-Key, replayed for 24 hours.</summary>
public class IdempotencyRecord
{
    public Guid UserId { get; set; }
    public required string Key { get; set; }
    public required string RequestHash { get; set; }
    public int StatusCode { get; set; }
    public string? ResponseBody { get; set; }
    public string? Location { get; set; }
    public DateTime CreatedAt { get; set; }
}
