using MassTransit;
using MassTransit.Middleware;
using MassTransit.Context;
using MassTransit.Middleware.Outbox;
using Microsoft.EntityFrameworkCore;

namespace SoukLoop.Persistence.Messaging;

/// <summary>The consume context seen by a consumer behind the outbox: what it sends or publishes is stored, not sent.</summary>
public class PostgresOutboxConsumeContext<TMessage>(
    ConsumeContext<TMessage> context,
    OutboxConsumeOptions options,
    IServiceProvider provider,
    SoukDbContext db,
    InboxState inbox)
    : OutboxConsumeContextProxy<TMessage>(context, options, provider)
    where TMessage : class
{
    public override bool ContinueProcessing { get; set; } = true;
    public override bool IsMessageConsumed => inbox.Consumed.HasValue;
    public override bool IsOutboxDelivered => inbox.Delivered.HasValue;
    public override int ReceiveCount => inbox.ReceiveCount;
    public override long? LastSequenceNumber => inbox.LastSequenceNumber;

    public override Task SetConsumed()
    {
        inbox.Consumed = DateTime.UtcNow;
        return Task.CompletedTask;
    }

    public override Task SetDelivered()
    {
        inbox.Delivered = DateTime.UtcNow;
        return Task.CompletedTask;
    }

    /// <summary>
    /// The next batch of stored messages: MassTransit's outbox pipe delivers at most <c>MessageDeliveryLimit</c> per pass,
    /// records the last one delivered (<see cref="NotifyOutboxMessageDelivered"/>) and asks for another pass, so each pass
    /// starts after it. Without that filter a pass reloads the batch it already delivered and never gets further.
    /// </summary>
    public override async Task<List<OutboxMessageContext>> LoadOutboxMessages()
    {
        var lastSequenceNumber = inbox.LastSequenceNumber ?? 0;
        var messages = await db.OutboxMessages
            .Where(x => x.InboxMessageId == inbox.MessageId && x.InboxConsumerId == inbox.ConsumerId && x.SequenceNumber > lastSequenceNumber)
            .OrderBy(x => x.SequenceNumber)
            .Take(Options.MessageDeliveryLimit + 1)
            .AsNoTracking()
            .ToListAsync(CancellationToken);

        foreach (var message in messages)
            message.Deserialize(SerializerContext);

        return messages.Cast<OutboxMessageContext>().ToList();
    }

    public override Task NotifyOutboxMessageDelivered(OutboxMessageContext message)
    {
        inbox.LastSequenceNumber = message.SequenceNumber;
        if (message.SentTime is { } sentTime)
            OutboxMetrics.Delivered(sentTime);
        return Task.CompletedTask;
    }

    public override Task RemoveOutboxMessages() =>
        db.OutboxMessages
            .Where(x => x.InboxMessageId == inbox.MessageId && x.InboxConsumerId == inbox.ConsumerId)
            .ExecuteDeleteAsync(CancellationToken);

    public override Task AddSend<T>(SendContext<T> context)
    {
        if (!context.MessageId.HasValue)
            throw new MessageException(typeof(T), "The SendContext MessageId must be present");

        var now = DateTime.UtcNow;
        var message = new OutboxMessage
        {
            InboxMessageId = inbox.MessageId,
            InboxConsumerId = inbox.ConsumerId,
            MessageId = context.MessageId.Value,
            ConversationId = context.ConversationId,
            CorrelationId = context.CorrelationId,
            InitiatorId = context.InitiatorId,
            RequestId = context.RequestId,
            SourceAddress = context.SourceAddress,
            DestinationAddress = context.DestinationAddress,
            ResponseAddress = context.ResponseAddress,
            FaultAddress = context.FaultAddress,
            SentTime = context.SentTime ?? now,
            ExpirationTime = context.TimeToLive.HasValue ? now + context.TimeToLive : null,
            EnqueueTime = context.Delay.HasValue ? now + context.Delay : null,
            ContentType = context.ContentType?.ToString() ?? context.Serialization.DefaultContentType.ToString(),
            MessageType = string.Join(";", context.SupportedMessageTypes),
            Body = context.Serializer.GetMessageBody(context).GetString(),
            Headers = SerializerContext.SerializeDictionary(context.Headers.GetAll())
        };

        if (context is TransportSendContext<T> transportSendContext)
        {
            var properties = new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase);
            transportSendContext.WritePropertiesTo(properties);
            message.Properties = SerializerContext.SerializeDictionary(properties);
        }

        db.OutboxMessages.Add(message);
        return Task.CompletedTask;
    }
}
