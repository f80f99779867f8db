using Microsoft.Extensions.Options;
using System.Text.Json;
using MassTransit;
using MassTransit.Context;
using MassTransit.Middleware;
using MassTransit.Scheduling;
using MassTransit.Serialization;
using Microsoft.EntityFrameworkCore;

namespace SoukLoop.Persistence.Scheduling;

/// <summary>
/// Our scheduler service for MassTransit's scheduling contracts (what a state machine's <c>Schedule</c> publishes
/// through the publish scheduler): stores the message in Postgres, or cancels it. Both are idempotent, and a cancel
/// that overtakes its schedule leaves a tombstone so the schedule never arms.
/// </summary>
public class ScheduleMessageConsumer(SoukDbContext db, ScheduledMessageSignal signal, IOptions<SchedulerOptions> options) :
    IConsumer<ScheduleMessage>,
    IConsumer<CancelScheduledMessage>
{
    /// <remarks>
    /// The scheduled message keeps the id, request and addresses the scheduler was given (a scheduled redelivery
    /// brings them from the original message; MT-OriginalMessageId goes with the forwarded headers).
    /// </remarks>
    public async Task Consume(ConsumeContext<ScheduleMessage> context)
    {
        var message = context.Message;
        var messageId = context.MessageId ?? NewId.NextGuid();
        // The envelope carries what the scheduler was given: a redelivered request still answers its requester.
        var envelope = new MessageSendContext<ScheduleMessage>(message)
        {
            MessageId = messageId,
            RequestId = context.RequestId,
            CorrelationId = context.CorrelationId,
            ConversationId = context.ConversationId,
            InitiatorId = context.InitiatorId,
            SourceAddress = context.SourceAddress,
            ResponseAddress = context.ResponseAddress,
            FaultAddress = context.FaultAddress
        };
        var body = context.SerializerContext.GetMessageSerializer(message.Payload, message.PayloadType).GetMessageBody(envelope);

        var dueAt = DateTime.SpecifyKind(message.ScheduledTime, DateTimeKind.Utc);
        var contentType = context.ReceiveContext.ContentType?.ToString() ?? "application/vnd.masstransit+json";
        var messageType = string.Join(";", message.PayloadType);
        var headers = ForwardedHeaders(context);

        try
        {
            await db.Database.ExecuteSqlAsync($"""
                INSERT INTO scheduled_messages (token_id, due_at, message_id, destination_address, body, content_type, message_type, correlation_id,
                                                headers_json, created_at)
                VALUES ({message.CorrelationId}, {dueAt}, {messageId}, {message.Destination.ToString()}, {body.GetString()}, {contentType},
                        {messageType}, {SagaIdOf(message.Payload) ?? context.CorrelationId}, {headers}, {DateTime.UtcNow})
                ON CONFLICT (token_id) DO NOTHING
                """, context.CancellationToken);
        }
        catch (Exception exception) when (context.GetRetryAttempt() >= options.Value.StoreRetries.Length && context.GetRedeliveryCount() > 0 && !context.CancellationToken.IsCancellationRequested)
        {
            // A redelivery we cannot store (the database is down): the message goes to its own consumer's `_error` queue, as
            // MassTransit does when a redelivery cannot be scheduled, instead of being redelivered through this scheduler in turn
            // and nesting in `scheduler_error` (docs/operations.md "Faulted messages").
            await MoveToErrorQueueAsync(context, new ScheduledMessage
            {
                TokenId = message.CorrelationId,
                MessageId = messageId,
                Body = body.GetString(),
                ContentType = contentType,
                MessageType = messageType,
                CreatedAt = DateTime.UtcNow,
                HeadersJson = headers
            }, message.Destination, exception);
            return;
        }

        signal.Notify(dueAt);
    }


    /// <summary>
    /// Sends the message, as its consumer would have received it, to that consumer's error queue (RabbitMQ: the input queue's
    /// name + <c>_error</c>) with MassTransit's fault headers, so ops find it where every other faulted message of that consumer is.
    /// </summary>
    static async Task MoveToErrorQueueAsync(ConsumeContext context, ScheduledMessage message, Uri destination, Exception exception)
    {
        // A queue address (not the exchange's rabbitmq:// one), so the error queue is declared and bound as MassTransit does its own.
        var errorAddress = new Uri($"queue:{destination.AbsolutePath.TrimEnd('/').Split('/')[^1]}_error");
        var headers = string.IsNullOrEmpty(message.HeadersJson)
            ? new Dictionary<string, object?>()
            : JsonSerializer.Deserialize<Dictionary<string, object?>>(message.HeadersJson)!;
        headers[MessageHeaders.Reason] = "fault";
        headers[MessageHeaders.FaultExceptionType] = exception.GetType().FullName;
        headers[MessageHeaders.FaultMessage] = $"The message delivery could not be rescheduled: {exception.Message}";
        headers[MessageHeaders.FaultStackTrace] = exception.StackTrace;
        headers[MessageHeaders.FaultInputAddress] = destination.ToString();
        headers[MessageHeaders.FaultTimestamp] = DateTime.UtcNow.ToString("O");
        message.HeadersJson = JsonSerializer.Serialize(headers);
        message.DestinationAddress = errorAddress;

        var endpoint = await context.GetSendEndpoint(errorAddress);
        await endpoint.Send(new SerializedMessageBody(), new OutboxMessageSendPipe(message, errorAddress), context.CancellationToken);
    }

    /// <summary>The request's own headers (MT-Redelivery-Count for scheduled redelivery, trace context) go with the message.</summary>
    static string? ForwardedHeaders(ConsumeContext context)
    {
        var headers = context.Headers.GetAll()
            .Where(h => h.Value is string or int or long or bool or Guid)
            .ToDictionary(h => h.Key, h => h.Value);
        return headers.Count == 0 ? null : JsonSerializer.Serialize(headers);
    }

    /// <summary>
    /// The saga a timeout belongs to, for support's view: the payload's first id (timeouts carry the saga's id first,
    /// like every contract: <c>OfferExpirationDue(OfferId)</c>).
    /// </summary>
    static Guid? SagaIdOf(object payload)
    {
        if (payload is not JsonElement { ValueKind: JsonValueKind.Object } json)
            return null;
        foreach (var property in json.EnumerateObject())
        {
            if (property.Name.EndsWith("Id", StringComparison.OrdinalIgnoreCase) && property.Value.ValueKind == JsonValueKind.String
                && Guid.TryParse(property.Value.GetString(), out var id))
                return id;
        }
        return null;
    }

    public async Task Consume(ConsumeContext<CancelScheduledMessage> context)
    {
        var tokenId = context.Message.TokenId;
        var now = DateTime.UtcNow;
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO scheduled_messages (token_id, due_at, message_id, body, content_type, message_type, created_at, cancelled_at)
            VALUES ({tokenId}, {now}, {NewId.NextGuid()}, '', '', '', {now}, {now})
            ON CONFLICT (token_id) DO UPDATE SET cancelled_at = EXCLUDED.cancelled_at
            WHERE scheduled_messages.fired_at IS NULL AND scheduled_messages.cancelled_at IS NULL
            """, context.CancellationToken);
    }
}
