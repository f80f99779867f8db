using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace SoukLoop.ServiceDefaults;

/// <summary>
/// <c>Stripe:*</c>, read by the Api (webhook secret) and the Workers (API key and base). Without <c>Stripe:SecretKey</c> the
/// system runs against the Stripe stand-in (tools/StandIns) on <see cref="StandInUrl"/> with its well-known test key and
/// webhook secret: no real money can move. Every app that uses Stripe logs the mode it runs in, loudly, at start.
/// </summary>
public class StripeOptions
{
    public const string Section = "Stripe";
    public const string RealApiBase = "https://api.stripe.com";
    public const string StandInSecretKey = "sk_test_souk_stand_in";
    public const string StandInWebhookSecret = "whsec_souk_stand_in";

    public string? SecretKey { get; set; }
    /// <summary>Where the Stripe API is; default api.stripe.com with a key, the stand-in without one.</summary>
    public string? ApiBase { get; set; }
    public string? WebhookSecret { get; set; }
    /// <summary>How old a webhook's signed timestamp may be (Stripe's libraries default to 300 s).</summary>
    public long WebhookToleranceSeconds { get; set; } = 300;
    public string StandInUrl { get; set; } = "http://127.0.0.1:12111";
    /// <summary>Network retries of Stripe.net's own HTTP client (safe: every POST carries an idempotency key).</summary>
    public int MaxNetworkRetries { get; set; } = 2;

    public bool UsesStandIn => string.IsNullOrWhiteSpace(SecretKey);
    public string EffectiveSecretKey => UsesStandIn ? StandInSecretKey : SecretKey!;
    public string EffectiveApiBase => (string.IsNullOrWhiteSpace(ApiBase) ? (UsesStandIn ? StandInUrl : RealApiBase) : ApiBase).TrimEnd('/');
    public string? EffectiveWebhookSecret => string.IsNullOrWhiteSpace(WebhookSecret) ? (UsesStandIn ? StandInWebhookSecret : null) : WebhookSecret;

    public string Describe() => UsesStandIn
        ? $"STRIPE MODE: STAND-IN (no Stripe:SecretKey configured) - Stripe API calls go to the local stand-in at {EffectiveApiBase} with its test key; no real money moves"
        : EffectiveApiBase == RealApiBase
            ? $"STRIPE MODE: REAL STRIPE at {EffectiveApiBase} with key {Mask(SecretKey!)} ({(SecretKey!.StartsWith("sk_live_", StringComparison.Ordinal) ? "LIVE" : "test")} mode)"
            : $"STRIPE MODE: Stripe-compatible server at {EffectiveApiBase} with key {Mask(SecretKey!)}";

    static string Mask(string key) => key.Length <= 12 ? "****" : $"{key[..8]}…{key[^4..]}";
}

public static class StripeModeExtensions
{
    /// <summary>Binds <c>Stripe:*</c> and logs the mode (real Stripe or the stand-in) once when the app starts.</summary>
    public static IServiceCollection AddStripeOptions(this IServiceCollection services, IConfiguration configuration, string app)
    {
        services.AddOptions<StripeOptions>().Bind(configuration.GetSection(StripeOptions.Section));
        services.AddHostedService(sp => new StripeModeLogger(
            sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<StripeOptions>>().Value, sp.GetRequiredService<IHostEnvironment>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("SoukLoop.Payments.StripeMode"), app));
        return services;
    }

    sealed class StripeModeLogger(StripeOptions options, IHostEnvironment environment, ILogger logger, string app) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            var line = new string('=', 100);
            var level = options.UsesStandIn && !environment.IsDevelopment() ? LogLevel.Critical : LogLevel.Warning;
            logger.Log(level, "{Line}\n  [{App}] {Mode}\n{Line}", line, app, options.Describe(), line);
            if (options.EffectiveWebhookSecret == null)
                logger.LogError("[{App}] Stripe:WebhookSecret is not configured: Stripe webhooks will be refused", app);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
