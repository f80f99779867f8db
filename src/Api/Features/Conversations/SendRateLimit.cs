using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using SoukLoop.Api.Infrastructure;
using SoukLoop.ServiceDefaults;

namespace SoukLoop.Api.Features.Conversations;

/// <summary>
/// The per-user budget for sending messages: a token bucket per user id that refills <see cref="MessagingOptions.SendsPerMinute"/>
/// a minute and holds at most <see cref="MessagingOptions.SendBurst"/> tokens. Past it: 429 rate_limited with Retry-After.
/// </summary>
public static class SendRateLimit
{
    public const string Policy = "message-sends";

    public static IServiceCollection AddSendRateLimit(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(MessagingOptions.Section).Get<MessagingOptions>() ?? new MessagingOptions();
        var bucket = Bucket(options);
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = OnRejectedAsync;
            o.AddPolicy(Policy, http => http.User.UserId() is var user && user != Guid.Empty
                ? RateLimitPartition.GetTokenBucketLimiter(user, _ => bucket)
                : RateLimitPartition.GetNoLimiter(Guid.Empty));
        });
        return services;
    }

    /// <summary>Whole tokens per period: one token every 60/n seconds below 60 a minute, n/60 tokens a second above.</summary>
    static TokenBucketRateLimiterOptions Bucket(MessagingOptions options)
    {
        var perMinute = Math.Max(1, options.SendsPerMinute);
        var (tokens, period) = perMinute >= 60
            ? ((int)Math.Ceiling(perMinute / 60.0), TimeSpan.FromSeconds(1))
            : (1, TimeSpan.FromSeconds(60.0 / perMinute));
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(Math.Max(1, options.SendBurst), tokens),
            TokensPerPeriod = tokens,
            ReplenishmentPeriod = period,
            QueueLimit = 0,
            AutoReplenishment = true
        };
    }

    static async ValueTask OnRejectedAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
            ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
            : 1;
        context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await ProblemConventions.WriteAsync(context.HttpContext, StatusCodes.Status429TooManyRequests, ProblemCodes.RateLimited,
            $"Too many messages. Try again in {seconds} s.");
    }
}
