using MassTransit;
using Microsoft.Extensions.Options;
using SoukLoop.Persistence.Sagas;
using SoukLoop.Workers.Support;

namespace SoukLoop.Workers.Messaging;

/// <summary>
/// The endpoint of a messaging consumer: retries around the Postgres inbox/outbox (as the offer saga's endpoint), so
/// each attempt is one fresh transaction in which the database write and the events it publishes commit together, and a
/// redelivered message is a no-op once consumed.
/// </summary>
public abstract class MessagingConsumerDefinition<TConsumer> : ConsumerDefinition<TConsumer> where TConsumer : class, IConsumer
{
    protected MessagingConsumerDefinition(IOptions<MessagingWorkerOptions> options)
    {
        var limit = Math.Max(1, options.Value.ConcurrentMessageLimit);
        Endpoint(e =>
        {
            e.ConcurrentMessageLimit = limit;
            e.PrefetchCount = limit;
        });
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<TConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        // A request's fault goes to the requester only; published too, it reaches the fault recorder (docs/support.md).
        endpointConfigurator.UsePublishRequestFaults(context);
        endpointConfigurator.UseTransientRetry();
        endpointConfigurator.UsePostgresOutbox(context);
    }
}

public class SendMessageConsumerDefinition(IOptions<MessagingWorkerOptions> options) : MessagingConsumerDefinition<SendMessageConsumer>(options);

public class MarkConversationReadConsumerDefinition(IOptions<MessagingWorkerOptions> options)
    : MessagingConsumerDefinition<MarkConversationReadConsumer>(options);

public class MarkMessageReadConsumerDefinition(IOptions<MessagingWorkerOptions> options) : MessagingConsumerDefinition<MarkMessageReadConsumer>(options);
