namespace SoukLoop.Api.Idempotency;

public class IdempotencyOptions
{
    public const string Section = "Idempotency";
    public const string HeaderName = "Idempotency-Key";
    public const string ReplayedHeaderName = "Idempotent-Replayed";
    public const int MaxKeyLength = 200;

    /// <summary>How long the first answer is replayed (API.md: 24 h).</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>A request still unfinished after this long is taken to have died; a retry may then run it again.</summary>
    public TimeSpan InProgressTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often the Api deletes answers older than <see cref="Retention"/>.</summary>
    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromHours(1);
}
