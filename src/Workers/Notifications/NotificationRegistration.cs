using MassTransit;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace SoukLoop.Workers.Notifications;

public static class NotificationRegistration
{
    /// <summary>
    /// Push over FCM HTTP v1 when a service account is configured (<c>Fcm:CredentialsJson</c>, <c>Fcm:CredentialsFile</c> or
    /// <c>GOOGLE_APPLICATION_CREDENTIALS</c>); without one, push is off (no consumer, no queue) and the start log says so once.
    /// </summary>
    public static void AddNotifications(this IBusRegistrationConfigurator x, IConfiguration configuration)
    {
        x.AddOptions<FcmOptions>().Bind(configuration.GetSection(FcmOptions.Section));
        var options = configuration.GetSection(FcmOptions.Section).Get<FcmOptions>() ?? new FcmOptions();
        var auth = FcmAuth.Create(options);
        x.AddHostedService(sp => new PushModeLogger(auth, options, sp.GetRequiredService<ILogger<PushModeLogger>>()));
        if (auth == null)
            return;

        x.AddSingleton(auth);
        x.AddScoped<PushDispatcher>();
        x.AddHttpClient<FcmClient>(c =>
            {
                c.BaseAddress = new Uri(options.BaseUrl.TrimEnd('/') + "/");
                c.Timeout = Timeout.InfiniteTimeSpan; // the resilience pipeline times each attempt and the whole send
            })
            .AddResilienceHandler("fcm", (b, context) =>
            {
                var o = context.ServiceProvider.GetRequiredService<IOptions<FcmOptions>>().Value;
                b.AddTimeout(o.RequestTimeout * (o.MaxRetries + 2));
                b.AddRetry(new HttpRetryStrategyOptions
                {
                    MaxRetryAttempts = o.MaxRetries,
                    Delay = o.RetryDelay,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    ShouldRetryAfterHeader = true // 429 QUOTA_EXCEEDED and 503 UNAVAILABLE come with Retry-After
                });
                b.AddTimeout(o.RequestTimeout);
            });
        x.AddConsumer<NotificationsConsumer>(c => c.UseMessageRetry(r => r.Intervals(1000, 5000, 15000, 30000)))
            .Endpoint(e => e.Name = "notifications");
    }

    sealed class PushModeLogger(FcmAuth? auth, FcmOptions options, ILogger<PushModeLogger> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            if (auth == null)
                logger.LogWarning("PUSH NOTIFICATIONS: OFF (no Fcm:CredentialsJson, Fcm:CredentialsFile or GOOGLE_APPLICATION_CREDENTIALS configured)");
            else
                logger.LogWarning("PUSH NOTIFICATIONS: ON - FCM HTTP v1 project {Project} at {BaseUrl}, service account {Account}, tokens from {TokenUri}",
                    auth.ProjectId, options.BaseUrl, auth.ClientEmail, auth.TokenUri);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
