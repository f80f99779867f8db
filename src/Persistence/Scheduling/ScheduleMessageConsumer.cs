using System.Text.Json;
using MassTransit;
using MassTransit.Context;
using MassTransit.Scheduling;
using Microsoft.EntityFrameworkCore;

namespace SoukLoop.Persistence.Scheduling;

/// <summary>
/// Our scheduler service for MassTransit's scheduling contracts (what a state machine's <c>Schedule</c> publishes
/// through the publish scheduler): stores the message in Postgres, or cancels it. Both are idempotent, and a cancel
/// that overtakes its schedule leaves a tombstone so the schedule never arms.
/// </summary>
public class ScheduleMessageConsumer(SoukDbContext db, ScheduledMessageSignal signal) :
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

        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO scheduled_messages (token_id, due_at, message_id, destination_address, body, content_type, message_type, correlation_id,
                                            headers_json, created_at)
            VALUES ({message.CorrelationId}, {dueAt}, {messageId}, {message.Destination.ToString()}, {body.GetString()}, {contentType},
                    {messageType}, {SagaIdOf(message.Payload) ?? context.CorrelationId}, {ForwardedHeaders(context)}, {DateTime.UtcNow})
            ON CONFLICT (token_id) DO NOTHING
            """, context.CancellationToken);

        signal.Notify(dueAt);
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
