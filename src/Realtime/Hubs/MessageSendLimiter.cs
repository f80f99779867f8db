using System.Threading.RateLimiting;

namespace SoukLoop.Realtime.Hubs;

/// <summary>
/// The per-user send budget of <c>POST /conversations/{id}/messages</c>, applied to <c>message:send</c> too so both paths
/// share it: a token bucket per user refilling <c>Messages:SendsPerMinute</c> (60) a minute, at most
/// <c>Messages:SendBurst</c> (10) at once — the same settings and defaults as the Api's rate limiter, and like it kept
/// in memory per node.
/// </summary>
public sealed class MessageSendLimiter : IDisposable
{
    public const string Section = "Messages";

    readonly PartitionedRateLimiter<Guid> _limiter;

    public MessageSendLimiter(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var perMinute = Math.Max(1, section.GetValue("SendsPerMinute", 60));
        var burst = Math.Max(1, section.GetValue("SendBurst", 10));
        var (tokens, period) = perMinute >= 60
            ? ((int)Math.Ceiling(perMinute / 60.0), TimeSpan.FromSeconds(1))
            : (1, TimeSpan.FromSeconds(60.0 / perMinute));
        var bucket = new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(burst, tokens),
            TokensPerPeriod = tokens,
            ReplenishmentPeriod = period,
            QueueLimit = 0,
            AutoReplenishment = true
        };
        _limiter = PartitionedRateLimiter.Create<Guid, Guid>(user => RateLimitPartition.GetTokenBucketLimiter(user, _ => bucket));
    }

    /// <summary>Takes one send from the user's budget, or says how long to wait.</summary>
    public void Acquire(Guid userId)
    {
        using var lease = _limiter.AttemptAcquire(userId);
        if (lease.IsAcquired)
            return;
        var seconds = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)) : 1;
        throw new HubRequestException("rate_limited", $"Too many messages. Try again in {seconds} s.");
    }

    public void Dispose() => _limiter.Dispose();
}
