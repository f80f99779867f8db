using MassTransit;
using SoukLoop.Contracts;
using SoukLoop.Persistence.Model;

namespace SoukLoop.Workers.Offers;

/// <summary>The steps the offer state machine repeats, named for what they mean in a negotiation.</summary>
public static class OfferBinderExtensions
{
    /// <summary>Stops the move with a rejection unless the rule holds; nothing of the move is kept.</summary>
    public static EventActivityBinder<OfferState, T> Require<T>(this EventActivityBinder<OfferState, T> binder,
        Func<BehaviorContext<OfferState, T>, bool> rule, Rejection rejection) where T : class =>
        binder.If(ctx => !rule(ctx), b => b.Then(_ => throw new OfferRuleViolation(rejection)));

    /// <summary>Only the buyer and the seller may touch an offer; anyone else is told it does not exist.</summary>
    public static EventActivityBinder<OfferState, T> ByAParty<T>(this EventActivityBinder<OfferState, T> binder) where T : class =>
        binder.Require(ctx => OfferMoves.ActorOf(ctx.Message) is { } actor && (actor == ctx.Saga.BuyerId || actor == ctx.Saga.SellerId),
            Rejection.NotAParty);

    /// <summary>A move by a party, and only by the one the offer awaits.</summary>
    public static EventActivityBinder<OfferState, T> ByTheAwaitedParty<T>(this EventActivityBinder<OfferState, T> binder,
        Func<OfferState, Guid> awaited) where T : class =>
        binder.ByAParty().Require(ctx => OfferMoves.ActorOf(ctx.Message) == awaited(ctx.Saga), Rejection.NotYourTurn);

    /// <summary>Sets the expiry after this move and (re)schedules the timeout; the previous timeout is cancelled.</summary>
    public static EventActivityBinder<OfferState, T> ArmExpiry<T>(this EventActivityBinder<OfferState, T> binder,
        Schedule<OfferState, OfferExpirationDue> timeout, TimeSpan expiresAfter) where T : class =>
        binder
            .Then(ctx => ctx.Saga.ExpiresAt = DateTime.UtcNow + expiresAfter)
            .Schedule(timeout, ctx => new OfferExpirationDue(ctx.Saga.CorrelationId), ctx => ctx.Saga.ExpiresAt!.Value);

    /// <summary>Closes the offer: no expiry any more.</summary>
    public static EventActivityBinder<OfferState, T> Close<T>(this EventActivityBinder<OfferState, T> binder,
        Schedule<OfferState, OfferExpirationDue> timeout) where T : class =>
        binder
            .Unschedule(timeout)
            .Then(ctx =>
            {
                ctx.Saga.ExpiresAt = null;
                ctx.Saga.UpdatedAt = DateTime.UtcNow;
            });

    /// <summary>Writes the move into the conversation as an offer or system message and publishes it (MessageSent) through the outbox.</summary>
    public static EventActivityBinder<OfferState, T> Tell<T>(this EventActivityBinder<OfferState, T> binder, string messageType, string action,
        Func<BehaviorContext<OfferState, T>, string> text) where T : class =>
        binder.ThenAsync(ctx => ctx.GetServiceOrCreateInstance<OfferConversation>()
            .Post(ctx, ctx.Saga, OfferMoves.ActorOf(ctx.Message), messageType, text(ctx), action, OfferMoves.PriceOf(ctx.Message), ctx.CancellationToken));

    public static EventActivityBinder<OfferState, T> RespondStatus<T>(this EventActivityBinder<OfferState, T> binder) where T : class =>
        binder.Respond(ctx => new OfferStatus(ctx.Saga.CorrelationId, ctx.Saga.ToSnapshot()));

    /// <summary>A move on an offer that is already answered: a clear 409, nothing changes.</summary>
    public static EventActivityBinder<OfferState, T> RespondClosed<T>(this EventActivityBinder<OfferState, T> binder) where T : class =>
        binder.Respond(ctx =>
        {
            var rejection = ctx.Saga.CurrentState == nameof(OfferStateMachine.Expired) ? Rejection.OfferExpired : Rejection.OfferClosed;
            // Like every other refused move, the timeline records why (the observer reads this payload).
            ctx.GetOrAddPayload(() => rejection);
            return new OfferRejected(ctx.Saga.CorrelationId, rejection.Code, rejection.HttpStatus,
                $"{rejection.Detail} Its status is {ctx.Saga.Status()}.");
        });

    /// <summary>The same offer made twice (a replayed command with a new message id): a clear 409, nothing changes.</summary>
    public static EventActivityBinder<OfferState, MakeOffer> RespondDuplicate(this EventActivityBinder<OfferState, MakeOffer> binder) =>
        binder.Respond(ctx => new OfferRejected(ctx.Saga.CorrelationId, Rejection.OfferExists.Code, Rejection.OfferExists.HttpStatus,
            $"{Rejection.OfferExists.Detail} Its status is {ctx.Saga.Status()}."));

    /// <summary>Answers a broken rule with its code; the move's changes are not kept.</summary>
    public static ExceptionActivityBinder<OfferState, T, OfferRuleViolation> RespondRejection<T>(
        this ExceptionActivityBinder<OfferState, T, OfferRuleViolation> binder) where T : class =>
        binder.ThenAsync(ctx =>
        {
            var rejection = ctx.Exception.Rejection;
            ctx.GetOrAddPayload(() => rejection);
            return ctx.RespondAsync(new OfferRejected(ctx.Saga.CorrelationId, rejection.Code, rejection.HttpStatus, rejection.Detail));
        });

    public static OfferMade Made(this BehaviorContext<OfferState, MakeOffer> ctx) =>
        new(ctx.Saga.CorrelationId, ctx.Saga.ToSnapshot(), ctx.Message.BuyerId, ctx.Message.Message, DateTime.UtcNow);

    public static OfferCountered Countered(this BehaviorContext<OfferState, CounterOffer> ctx) =>
        new(ctx.Saga.CorrelationId, ctx.Saga.ToSnapshot(), ctx.Message.ActorId, ctx.Message.CounterPrice, ctx.Message.Message, DateTime.UtcNow);

    public static OfferAccepted Accepted(this BehaviorContext<OfferState, AcceptOffer> ctx) =>
        new(ctx.Saga.CorrelationId, ctx.Saga.ToSnapshot(), ctx.Message.ActorId, ctx.GetPayload<Transaction>().ToSnapshot(), DateTime.UtcNow);
}
