namespace SoukLoop.Api.Features.Support;

public class SupportOptions
{
    public const string Section = "Support";

    /// <summary>How far past due an open offer's expiry or timeout may be before the offer counts as stuck (default 1 min).</summary>
    public TimeSpan StuckGrace { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long an outbox message may wait for delivery before its offer counts as stuck (default 1 min).</summary>
    public TimeSpan OutboxThreshold { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long the Api keeps the state machine diagrams it got from the Workers.</summary>
    public TimeSpan GraphCacheDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long an action (expire, re-arm) waits for the saga's answer before answering 202.</summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
