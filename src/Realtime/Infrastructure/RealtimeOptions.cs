namespace SoukLoop.Realtime.Infrastructure;

/// <summary>The "Realtime" configuration section (environment <c>Realtime__PresenceTimeout</c> etc.).</summary>
public class RealtimeOptions
{
    public const string Section = "Realtime";

    /// <summary>A connection without a <c>heartbeat</c> for this long no longer counts for presence (seed: 2 minutes).</summary>
    public TimeSpan PresenceTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>A <c>typing:start</c> expires by itself after this long (seed: 5 seconds).</summary>
    public TimeSpan TypingTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often each node looks for expired typing indicators and silent connections.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How many offers the per-product feed keeps (seed: the last 20).</summary>
    public int FeedSize { get; set; } = 20;

    /// <summary>The feed list expires this long after its last new offer (seed: 1 hour).</summary>
    public TimeSpan FeedExpiry { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How long the cluster remembers the newest version of each offer it pushed, so a late or redelivered older event is
    /// not pushed over a newer one. Longer than any redelivery or re-drive of an event (docs/operations.md).
    /// </summary>
    public TimeSpan OfferVersionRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How long a hub method waits for the answer to a command (SendMessage, MakeOffer, …).</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Prefix of every Redis key this node writes (empty in production; tests use one per run).</summary>
    public string RedisKeyPrefix { get; set; } = "";

    /// <summary>Prefix of the SignalR Redis backplane channels: nodes with the same prefix form one cluster.</summary>
    public string BackplaneChannelPrefix { get; set; } = "souk-realtime";

    /// <summary>Maps <c>GET /debug/realtime</c> (connection count, working set, GC heap) for the benchmark. Off by default.</summary>
    public bool Diagnostics { get; set; }

    public IEnumerable<string> Validate()
    {
        if (PresenceTimeout <= TimeSpan.Zero)
            yield return "Realtime:PresenceTimeout must be positive.";
        if (TypingTimeout <= TimeSpan.Zero)
            yield return "Realtime:TypingTimeout must be positive.";
        if (SweepInterval <= TimeSpan.Zero)
            yield return "Realtime:SweepInterval must be positive.";
        if (FeedSize is < 1 or > 1000)
            yield return "Realtime:FeedSize must lie between 1 and 1000.";
        if (FeedExpiry <= TimeSpan.Zero)
            yield return "Realtime:FeedExpiry must be positive.";
        if (OfferVersionRetention <= TimeSpan.Zero)
            yield return "Realtime:OfferVersionRetention must be positive.";
        if (CommandTimeout <= TimeSpan.Zero)
            yield return "Realtime:CommandTimeout must be positive.";
    }
}
