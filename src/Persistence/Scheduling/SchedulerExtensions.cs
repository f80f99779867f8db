using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace SoukLoop.Persistence.Scheduling;

public static class SchedulerExtensions
{
    /// <summary>The Postgres-backed scheduler: its consumer (on the <c>scheduler</c> queue) and its dispatcher.</summary>
    public static void AddPostgresScheduler(this IBusRegistrationConfigurator x, IConfiguration configuration)
    {
        x.AddOptions<SchedulerOptions>().Bind(configuration.GetSection(SchedulerOptions.Section));
        x.TryAddSingleton(TimeProvider.System);
        x.AddSingleton<ScheduledMessageSignal>();
        x.AddSingleton<ScheduledMessageDispatcher>();
        x.AddHostedService(sp => sp.GetRequiredService<ScheduledMessageDispatcher>());
        x.AddConsumer<ScheduleMessageConsumer, ScheduleMessageConsumerDefinition>();
    }
}

public class ScheduleMessageConsumerDefinition : ConsumerDefinition<ScheduleMessageConsumer>
{
    readonly TimeSpan[] _storeRetryIntervals;

    public ScheduleMessageConsumerDefinition(Microsoft.Extensions.Options.IOptions<SchedulerOptions> options)
    {
        EndpointName = "scheduler";
        _storeRetryIntervals = options.Value.StoreRetries;
    }

    // Scheduler:StoreRetryIntervals: the last attempt is where a redelivery that still cannot be stored gives up.
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<ScheduleMessageConsumer> consumerConfigurator, IRegistrationContext context) =>
        endpointConfigurator.UseMessageRetry(r => r.Intervals(_storeRetryIntervals));
}
