using System.Text.Json;
using MassTransit;
using MassTransit.Serialization;
using Microsoft.EntityFrameworkCore;
using SoukLoop.Contracts;
using SoukLoop.Persistence;

namespace SoukLoop.Workers.Support;

/// <summary>
/// Every message of a saga or a chat command that faults after its retries becomes a <c>message_faults</c> row (what
/// support sees on the offer's page or in <c>/support/faults</c>, and re-drives). The consumers share one queue, <c>message-faults</c>.
/// </summary>
public static class FaultRecording
{
    public const string Queue = "message-faults";

    public static void AddFaultRecording(this IBusRegistrationConfigurator x)
    {
        // The offer saga's messages, by the offer they belong to. Payment messages: one line each, here.
        x.RecordFaults<MakeOffer>(m => m.OfferId);
        x.RecordFaults<AcceptOffer>(m => m.OfferId);
        x.RecordFaults<DeclineOffer>(m => m.OfferId);
        x.RecordFaults<CounterOffer>(m => m.OfferId);
        x.RecordFaults<WithdrawOffer>(m => m.OfferId);
        x.RecordFaults<CloseOffer>(m => m.OfferId);
        x.RecordFaults<ExpireOffer>(m => m.OfferId);
        x.RecordFaults<RearmOfferExpiry>(m => m.OfferId);
        x.RecordFaults<OfferExpirationDue>(m => m.OfferId);
        // The payment saga's own steps, shown on the offer they belong to.
        x.RecordFaults<CreatePaymentIntent>(m => m.OfferId);
        x.RecordFaults<SendPayout>(m => m.OfferId);
        // The chat commands, by the conversation (a message read: by the message) they act on.
        x.RecordFaults<SendMessage>(m => m.ConversationId);
        x.RecordFaults<MarkConversationRead>(m => m.ConversationId);
        x.RecordFaults<MarkMessageRead>(m => m.MessageId);
    }

    /// <summary>Stores <see cref="Fault{T}"/> of <typeparamref name="T"/>, correlated to the saga <paramref name="correlate"/> names.</summary>
    public static void RecordFaults<T>(this IBusRegistrationConfigurator x, Func<T, Guid?> correlate) where T : class
    {
        x.AddSingleton(new FaultCorrelation<T>(correlate));
        x.AddConsumer<FaultRecorder<T>>().Endpoint(e => e.Name = Queue);
    }
}

public sealed record FaultCorrelation<T>(Func<T, Guid?> Correlate) where T : class;

public sealed class FaultRecorder<T>(SoukDbContext db, FaultCorrelation<T> correlation, ILogger<FaultRecorder<T>> logger) : IConsumer<Fault<T>>
    where T : class
{
    public async Task Consume(ConsumeContext<Fault<T>> context)
    {
        var fault = context.Message;
        // The saga wraps what went wrong (EventExecutionException …): support wants the root cause, with the whole chain's stack.
        var outer = fault.Exceptions?.FirstOrDefault();
        var exception = outer;
        var chain = new List<ExceptionInfo>();
        for (var e = outer; e != null; e = e.InnerException)
        {
            chain.Add(e);
            exception = e;
        }
        var stackTrace = chain.Count == 0 ? null : string.Join("\n--- inner ---\n", chain.Select(e => $"{e.ExceptionType}: {e.Message}\n{e.StackTrace}"));
        var id = context.MessageId ?? NewId.NextGuid();
        var correlationId = fault.Message is { } message ? correlation.Correlate(message) : null;
        var body = fault.Message is null ? null : JsonSerializer.Serialize(fault.Message, SystemTextJsonMessageSerializer.Options);
        var destination = context.SourceAddress?.ToString();
        // MassTransit publishes a fault only once the redeliveries are spent; our request-fault filter says it in a header.
        var final = context.Headers.Get<bool>(FaultHeaders.Final) ?? true;
        var at = fault.Timestamp.Kind == DateTimeKind.Utc ? fault.Timestamp : DateTime.SpecifyKind(fault.Timestamp, DateTimeKind.Utc);

        // A message that keeps failing (each scheduled redelivery faults again, with the same message id) is one fault:
        // the open row is brought up to date. A fault after support re-drove it is a new row.
        var faultedMessageId = fault.FaultedMessageId ?? Guid.Empty;
        DateTime? finalAt = final ? at : null;
        var updated = faultedMessageId == Guid.Empty ? 0 : await db.Database.ExecuteSqlAsync($"""
            UPDATE message_faults SET exception_type = {exception?.ExceptionType ?? "unknown"}, exception_message = {exception?.Message ?? ""},
                                      stack_trace = {stackTrace}, at = {at}, final_at = {finalAt}
            WHERE faulted_message_id = {faultedMessageId} AND message_type = {MessageUrn.ForTypeString<T>()} AND redriven_at IS NULL
            """, context.CancellationToken);
        var inserted = updated > 0 ? 0 : await db.Database.ExecuteSqlAsync($"""
            INSERT INTO message_faults (id, faulted_message_id, correlation_id, message_type, destination, exception_type,
                                        exception_message, stack_trace, message_body, at, final_at)
            VALUES ({id}, {faultedMessageId}, {correlationId}, {MessageUrn.ForTypeString<T>()}, {destination},
                    {exception?.ExceptionType ?? "unknown"}, {exception?.Message ?? ""}, {stackTrace}, {body}, {at}, {finalAt})
            ON CONFLICT (id) DO NOTHING
            """, context.CancellationToken);

        if (inserted > 0)
            logger.LogWarning("{MessageType} {MessageId} for {CorrelationId} faulted on {Destination}: {ExceptionType} {ExceptionMessage}",
                typeof(T).Name, fault.FaultedMessageId, correlationId, destination, exception?.ExceptionType, exception?.Message);
    }
}
