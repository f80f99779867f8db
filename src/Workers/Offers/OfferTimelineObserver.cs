using System.Diagnostics;
using MassTransit;
using SoukLoop.Contracts;
using SoukLoop.Persistence;
using SoukLoop.Persistence.Model;

namespace SoukLoop.Workers.Offers;

/// <summary>
/// Records every command and event an offer saga consumes, applied or rejected, with its actor, the state before and
/// after, the message and trace ids: the support timeline. It writes in the saga's own transaction.
/// </summary>
public class OfferTimelineObserver : IEventObserver<OfferState>
{
    record StateBefore(string State);

    record Recorded;

    public Task PreExecute(BehaviorContext<OfferState> context) => Remember(context);

    public Task PreExecute<T>(BehaviorContext<OfferState, T> context) where T : class => Remember(context);

    public Task PostExecute(BehaviorContext<OfferState> context) => Record(context, null, null);

    public Task PostExecute<T>(BehaviorContext<OfferState, T> context) where T : class => Record(context, context.Message, null);

    public Task ExecuteFault(BehaviorContext<OfferState> context, Exception exception) => Task.CompletedTask;

    public Task ExecuteFault<T>(BehaviorContext<OfferState, T> context, Exception exception) where T : class => Task.CompletedTask;

    static Task Remember(BehaviorContext<OfferState> context)
    {
        context.GetOrAddPayload(() => new StateBefore(context.Saga.CurrentState ?? "Initial"));
        return Task.CompletedTask;
    }

    static async Task Record(BehaviorContext<OfferState> context, object? message, string? detail)
    {
        // A schedule raises Received and then AnyReceived for one message: one timeline line is enough. A stale timeout
        // raises AnyReceived alone, and that line shows support it arrived and changed nothing.
        if (context.Event.Name.EndsWith(".AnyReceived", StringComparison.Ordinal) && context.TryGetPayload<Recorded>(out _))
            return;
        // Status queries read the saga; they are not part of its history.
        if (message is GetOffer)
            return;
        context.GetOrAddPayload(() => new Recorded());

        var db = context.GetServiceOrCreateInstance<SoukDbContext>();
        var before = context.TryGetPayload<StateBefore>(out var b) ? b.State : null;
        var rejected = context.TryGetPayload<Rejection>(out var rejection) ? rejection : null;

        db.OfferTimeline.Add(new OfferTimelineEntry
        {
            OfferId = context.Saga.CorrelationId,
            At = DateTime.UtcNow,
            Action = context.Event.Name,
            ActorId = message != null ? OfferMoves.ActorOf(message) : null,
            StateBefore = before,
            StateAfter = context.Saga.CurrentState,
            Price = message != null ? OfferMoves.PriceOf(message) : null,
            Detail = rejected?.Code ?? (message != null ? OfferMoves.ReasonOf(message) : null) ?? detail,
            MessageId = context.MessageId,
            CorrelationId = context.CorrelationId,
            TraceId = Activity.Current?.TraceId.ToString()
        });
        await db.SaveChangesAsync(context.CancellationToken);
    }
}
