using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace SoukLoop.ServiceDefaults;

public static class MessagingExtensions
{
    /// <summary>
    /// The scheduled redeliveries of a message that faulted after its endpoint's immediate retries
    /// (Messaging:RedeliveryIntervals, default 5 s, 30 s, 2 min); after the last one the fault is final (`_error`).
    /// </summary>
    public static TimeSpan[] RedeliveryIntervals(IConfiguration configuration) =>
        configuration.GetSection("Messaging:RedeliveryIntervals").Get<TimeSpan[]>() is { Length: > 0 } configured
            ? configured
            : [TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2)];

    /// <summary>
    /// MassTransit on RabbitMQ with kebab-case endpoint names and the publish scheduler (our Postgres scheduler
    /// consumes the scheduling contracts). Each app adds its own consumers and sagas in <paramref name="register"/>.
    /// </summary>
    public static IServiceCollection AddSoukMessaging(this IServiceCollection services, IConfiguration configuration,
        Action<IBusRegistrationConfigurator>? register = null,
        Action<IBusRegistrationContext, IRabbitMqBusFactoryConfigurator>? configureBus = null)
    {
        var options = configuration.GetSection(RabbitMqOptions.Section).Get<RabbitMqOptions>() ?? new RabbitMqOptions();
        var redelivery = RedeliveryIntervals(configuration);

        services.AddMassTransit(x =>
        {
            x.SetKebabCaseEndpointNameFormatter();
            // No phoning home: the machines running Souk Loop have no business reaching MassTransit's usage tracker.
            x.DisableUsageTelemetry();
            x.AddPublishMessageScheduler();
            register?.Invoke(x);

            x.UsingRabbitMq((context, cfg) =>
            {
                cfg.Host(options.Host, options.Port, options.VirtualHost, h =>
                {
                    h.Username(options.Username);
                    h.Password(options.Password);
                });
                cfg.UsePublishMessageScheduler();
                // Second-level retries for every endpoint: after its own immediate retries a message comes back later
                // through the Postgres scheduler, then lands in its `_error` queue for ops.
                // Intervals: Messaging:RedeliveryIntervals (default 5 s, 30 s, 2 min).
                cfg.UseScheduledRedelivery(r => r.Intervals(redelivery));
                configureBus?.Invoke(context, cfg);
                cfg.ConfigureEndpoints(context);
            });
        });

        // The Api's and the Realtime node's one way to send a command and wait for its answer.
        services.AddScoped<CommandGateway>();

        services.AddOptions<MassTransitHostOptions>().Configure(o =>
        {
            o.WaitUntilStarted = false;
            o.StartTimeout = TimeSpan.FromSeconds(30);
            o.StopTimeout = TimeSpan.FromSeconds(15);
        });
        return services;
    }
}
