namespace SoukLoop.Workers.Payments;

public class PaymentOptions
{
    public const string Section = "Payments";

    /// <summary>How long the buyer has to pay after the offer is accepted (<c>Payments:PayWithin</c>, default 2 days).</summary>
    public TimeSpan PayWithin { get; set; } = TimeSpan.FromDays(2);

    /// <summary>When the deadline finds a payment still processing at Stripe, look again after this long.</summary>
    public TimeSpan ProcessingRecheck { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Test switch, never set in production: when this file exists, the worker deletes it and kills its own process right after
    /// Stripe answered a PaymentIntent or Transfer create, before the saga commits (the crash the idempotency key and the lookup
    /// by metadata are there for).
    /// </summary>
    public string? CrashAfterStripeCallMarker { get; set; }

    /// <summary>
    /// How often the Workers look for paid sales held for a payout account whose seller has one now, and release them
    /// (<c>Payments:PayoutSweepInterval</c>): the Api's <see cref="SoukLoop.Contracts.ReleaseHeldPayouts"/> may never reach the broker.
    /// </summary>
    public TimeSpan PayoutSweepInterval { get; set; } = TimeSpan.FromMinutes(1);
}
