using MassTransit;
using MassTransit.Configuration;
using MassTransit.Events;
using MassTransit.Metadata;
using SoukLoop.ServiceDefaults;
using SoukLoop.Workers.Offers;

namespace SoukLoop.Workers.Support;

public static class SupportPipeExtensions
{
    /// <summary>
    /// Outside the retry: when a request faults, MassTransit sends its <see cref="Fault{T}"/> to the requester only.
    /// This publishes it as well, so the fault recorder stores every fault for support (no duplicate: messages without
    /// a response or fault address get their fault published by MassTransit itself).
    /// </summary>
    public static void UsePublishRequestFaults(this IReceiveEndpointConfigurator configurator, IRegistrationContext context) =>
        _ = new MessageFilterObserver(configurator, typeof(PublishRequestFaultFilter<>),
            MessagingExtensions.RedeliveryIntervals(context.GetRequiredService<IConfiguration>()).Length);

    /// <summary>Inside the retry, outside the outbox: counts committed outcomes and concurrency conflicts (<see cref="SagaAttemptFilter{T}"/>).</summary>
    public static void UseSagaAttemptMetrics(this IReceiveEndpointConfigurator configurator, string saga) =>
        _ = new MessageFilterObserver(configurator, typeof(SagaAttemptFilter<>), saga);

    /// <summary>Adds a filter to every message type's pipe at the position of the call (endpoint message pipes run in order).</summary>
    sealed class MessageFilterObserver : ConfigurationObserver, IMessageConfigurationObserver
    {
        readonly Type _filterType;
        readonly object[] _arguments;

        public MessageFilterObserver(IConsumePipeConfigurator configurator, Type filterType, params object[] arguments)
            : base(configurator)
        {
            _filterType = filterType;
            _arguments = arguments;
            Connect(this);
        }

        public void MessageConfigured<TMessage>(IConsumePipeConfigurator configurator) where TMessage : class
        {
            var filter = (IFilter<ConsumeContext<TMessage>>)Activator.CreateInstance(_filterType.MakeGenericType(typeof(TMessage)), _arguments)!;
            configurator.AddPipeSpecification(new FilterPipeSpecification<ConsumeContext<TMessage>>(filter));
        }
    }
}

/// <summary>The header of a published fault that says whether redeliveries are left (false) or the fault is final (true).</summary>
public static class FaultHeaders
{
    public const string Final = "Souk-Fault-Final";
}

/// <param name="redeliveries">How many scheduled redeliveries the bus makes (Messaging:RedeliveryIntervals): after the last, the fault is final.</param>
public sealed class PublishRequestFaultFilter<T>(int redeliveries) : IFilter<ConsumeContext<T>> where T : class
{
    public async Task Send(ConsumeContext<T> context, IPipe<ConsumeContext<T>> next)
    {
        try
        {
            await next.Send(context);
        }
        catch (Exception exception) when ((context.ResponseAddress != null || context.FaultAddress != null)
                                          && !context.CancellationToken.IsCancellationRequested)
        {
            // A scheduled redelivery is a new message id with the original in MT-OriginalMessageId: one fault per message.
            Fault<T> fault = new FaultEvent<T>(context.Message, context.GetOriginalMessageId() ?? context.MessageId, HostMetadataCache.Host, exception,
                context.SupportedMessageTypes.ToArray());
            // Published on every failed delivery (support sees a fault while it is still being redelivered); the last one is final.
            var final = context.GetRedeliveryCount() >= redeliveries;
            await context.Publish(fault, p =>
            {
                p.CorrelationId = context.CorrelationId;
                p.RequestId = context.RequestId;
                p.Headers.Set(FaultHeaders.Final, final);
            });
            throw;
        }
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("publishRequestFaults");
}
