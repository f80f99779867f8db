using MassTransit;
using Microsoft.Extensions.Options;
using SoukLoop.Contracts;
using SoukLoop.Persistence.Model;

namespace SoukLoop.Workers.Payments;

/// <summary>
/// One saga per transaction, started by <see cref="OfferAccepted"/>: it records the sale and its deadline, then (its own step,
/// <see cref="CreatePaymentIntent"/>) creates one Stripe PaymentIntent and waits for the buyer to pay (<see cref="AwaitingPayment"/>)
/// until <c>Payments:PayWithin</c> passes. Stripe's webhooks move it:
/// succeeded → <see cref="Paid"/> (final: the seller's payout follows), failed → <see cref="Failed"/> (the buyer may
/// <see cref="RetryPayment"/> until the deadline). At the deadline the intent is cancelled, the product is available again
/// (<see cref="Cancelled"/>). Events never move a transaction backwards: after paid every payment event is ignored, a failure of
/// an earlier attempt's intent is ignored, and a duplicate is a no-op in every state. Every change publishes TransactionUpdated.
/// </summary>
public class PaymentStateMachine : MassTransitStateMachine<PaymentState>
{
    public PaymentStateMachine(IOptions<PaymentOptions> options)
    {
        var payWithin = options.Value.PayWithin;
        var recheck = options.Value.ProcessingRecheck;

        InstanceState(x => x.CurrentState);

        Event(() => OfferAccepted, x => x.CorrelateById(m => m.Message.Transaction.TransactionId));
        Event(() => PaymentSucceeded, x =>
        {
            x.CorrelateById(m => m.Message.TransactionId);
            x.OnMissingInstance(m => m.Discard());
        });
        Event(() => PaymentFailed, x =>
        {
            x.CorrelateById(m => m.Message.TransactionId);
            x.OnMissingInstance(m => m.Discard());
        });
        Event(() => PaymentIntentCanceled, x =>
        {
            x.CorrelateById(m => m.Message.TransactionId);
            x.OnMissingInstance(m => m.Discard());
        });
        Event(() => RetryPayment, x =>
        {
            x.CorrelateById(m => m.Message.TransactionId);
            x.OnMissingInstance(m => m.ExecuteAsync(ctx => ctx.RespondAsync(PaymentRejections.NotFound(ctx.Message.TransactionId))));
        });
        Event(() => CreatePaymentIntent, x =>
        {
            x.CorrelateById(m => m.Message.TransactionId);
            x.OnMissingInstance(m => m.Discard());
        });
        Event(() => CreatePaymentIntentFaulted, x =>
        {
            x.CorrelateById(m => m.Message.Message.TransactionId);
            x.OnMissingInstance(m => m.Discard());
        });
        Event(() => SendPayout, x =>
        {
            x.CorrelateById(m => m.Message.TransactionId);
            x.OnMissingInstance(m => m.Discard());
        });
        Event(() => PayoutAccountConnected, x =>
        {
            x.CorrelateBy((p, ctx) => p.SellerId == ctx.Message.SellerId && p.PayoutStatus == PayoutStatuses.AwaitingAccount);
            x.OnMissingInstance(m => m.Discard());
        });

        Schedule(() => Deadline, x => x.DeadlineTokenId, s =>
        {
            s.Delay = payWithin;
            s.Received = r => r.CorrelateById(m => m.Message.TransactionId);
        });

        // The sale and its deadline commit before Stripe is asked: Stripe down past every retry faults only the CreatePaymentIntent
        // step (recorded for support, re-drivable, the buyer's retry sets it up too) and the deadline still relists the product.
        Initially(
            When(OfferAccepted)
                .Then(ctx => ctx.Saga.Open(ctx.Message, DateTime.UtcNow, payWithin))
                .Schedule(Deadline, ctx => new PaymentDeadlineDue(ctx.Saga.CorrelationId), ctx => ctx.Saga.PayBy!.Value)
                .TransitionTo(AwaitingPayment)
                .SendToSelf(ctx => new CreatePaymentIntent(ctx.Saga.CorrelationId, ctx.Saga.OfferId, ctx.Saga.Attempt)));

        During(AwaitingPayment, Failed,
            When(PaymentSucceeded)
                .Then(ctx =>
                {
                    ctx.Saga.PaidAt = ctx.Message.OccurredAt;
                    ctx.Saga.ChargeId = ctx.Message.ChargeId;
                    // Whichever of the transaction's intents took the money is the one that counts.
                    ctx.Saga.PaymentIntentId = ctx.Message.PaymentIntentId;
                    ctx.Saga.FailureCode = null;
                    ctx.Saga.FailureMessage = null;
                })
                .Unschedule(Deadline)
                .TransitionTo(Paid)
                .Activity(x => x.OfType<PayoutDecisionActivity<PaymentSucceeded>>())
                .PublishUpdated("paid", ctx => ctx.Saga.BuyerId)
                .SendPayoutIfPending(),
            When(Deadline.Received)
                .Activity(x => x.OfType<PaymentDeadlineActivity>())
                .IfElse(ctx => ctx.GetPayload<DeadlineOutcome>().Cancelled,
                    cancelled => cancelled
                        .TransitionTo(Cancelled)
                        .PublishUpdated("cancelled", _ => null)
                        .Publish(ctx => new PaymentCancelled(ctx.Saga.CorrelationId, ctx.Saga.ToSnapshot(), ctx.Saga.ConversationId,
                            "payment_deadline_passed", DateTime.UtcNow)),
                    open => open.If(ctx => ctx.GetPayload<DeadlineOutcome>().Processing,
                        processing => processing.Schedule(Deadline, ctx => new PaymentDeadlineDue(ctx.Saga.CorrelationId),
                            _ => DateTime.UtcNow + recheck))),
            Ignore(OfferAccepted),
            Ignore(SendPayout),
            Ignore(PayoutAccountConnected));

        During(AwaitingPayment,
            When(CreatePaymentIntent)
                .If(ctx => ctx.Saga.PaymentIntentId == null && ctx.Message.Attempt == ctx.Saga.Attempt, create => create
                    .Activity(x => x.OfType<CreatePaymentIntentActivity>())
                    .PublishUpdated("payment_requested", _ => null)),
            // The step gave up (Stripe down past every retry): the buyer and support see why there is nothing to pay yet.
            When(CreatePaymentIntentFaulted)
                .If(ctx => ctx.Saga.PaymentIntentId == null, faulted => faulted
                    .Then(ctx =>
                    {
                        ctx.Saga.FailureCode = PaymentRejections.SetupFailed;
                        ctx.Saga.FailureMessage = "The payment could not be set up with Stripe yet; nothing was charged. Retry the payment.";
                        ctx.Saga.UpdatedAt = DateTime.UtcNow;
                    })
                    .PublishUpdated(PaymentRejections.SetupFailed, _ => null)),
            When(PaymentFailed)
                .If(ctx => ctx.Message.PaymentIntentId == ctx.Saga.PaymentIntentId, failed => failed
                    .Then(ctx =>
                    {
                        ctx.Saga.FailureCode = ctx.Message.FailureCode ?? "payment_failed";
                        ctx.Saga.FailureMessage = ctx.Message.FailureMessage;
                        ctx.Saga.UpdatedAt = DateTime.UtcNow;
                    })
                    .TransitionTo(Failed)
                    .SetTransactionStatus()
                    .PublishUpdated("payment_failed", ctx => ctx.Saga.BuyerId)),
            When(PaymentIntentCanceled)
                .If(ctx => ctx.Message.PaymentIntentId == ctx.Saga.PaymentIntentId, canceled => canceled
                    .Then(ctx =>
                    {
                        ctx.Saga.FailureCode = "payment_intent_canceled";
                        ctx.Saga.FailureMessage = ctx.Message.Reason;
                        ctx.Saga.UpdatedAt = DateTime.UtcNow;
                    })
                    .TransitionTo(Failed)
                    .SetTransactionStatus()
                    .PublishUpdated("payment_failed", _ => null)),
            // Nothing failed: the current intent can be paid as it is; without one yet, it is set up now.
            When(RetryPayment)
                .IfElse(ctx => ctx.Message.ActorId == ctx.Saga.BuyerId,
                    buyer => buyer
                        .If(ctx => ctx.Saga.PaymentIntentId == null, setup => setup
                            .Activity(x => x.OfType<RetryPaymentActivity>())
                            .PublishUpdated("payment_requested", ctx => ctx.Message.ActorId))
                        .Respond(ctx => ctx.Saga.Status()),
                    other => other.Respond(ctx => PaymentRejections.OnlyBuyer(ctx.Saga.CorrelationId))));

        During(Failed, Paid, Cancelled,
            Ignore(CreatePaymentIntent),
            Ignore(CreatePaymentIntentFaulted));

        During(Failed,
            Ignore(PaymentFailed),
            Ignore(PaymentIntentCanceled),
            When(RetryPayment)
                .IfElse(ctx => ctx.Message.ActorId == ctx.Saga.BuyerId,
                    buyer => buyer
                        .Activity(x => x.OfType<RetryPaymentActivity>())
                        .TransitionTo(AwaitingPayment)
                        .SetTransactionStatus()
                        .PublishUpdated("payment_retried", ctx => ctx.Message.ActorId)
                        .Respond(ctx => ctx.Saga.Status()),
                    other => other.Respond(ctx => PaymentRejections.OnlyBuyer(ctx.Saga.CorrelationId))));

        During(Paid,
            When(PayoutAccountConnected)
                .Activity(x => x.OfType<PayoutDecisionActivity<PayoutAccountConnected>>())
                .SendPayoutIfPending(),
            When(SendPayout)
                .If(ctx => ctx.Saga.PayoutStatus == PayoutStatuses.TransferPending, pending => pending
                    .Activity(x => x.OfType<TransferActivity>())
                    .PublishUpdated("payout_sent", _ => null)),
            When(RetryPayment)
                .Respond(ctx => new PaymentRejected(ctx.Saga.CorrelationId, "transaction_already_paid", 409, "The transaction is already paid.")),
            // Paid is final: late, duplicated or out-of-order payment events change nothing.
            Ignore(PaymentSucceeded),
            Ignore(PaymentFailed),
            Ignore(PaymentIntentCanceled),
            Ignore(Deadline.Received),
            Ignore(OfferAccepted));

        During(Cancelled,
            When(RetryPayment)
                .Respond(ctx => new PaymentRejected(ctx.Saga.CorrelationId, "transaction_cancelled", 409,
                    "The payment deadline passed; the transaction is cancelled.")),
            Ignore(PaymentSucceeded),
            Ignore(PaymentFailed),
            Ignore(PaymentIntentCanceled),
            Ignore(Deadline.Received),
            Ignore(PayoutAccountConnected),
            Ignore(SendPayout),
            Ignore(OfferAccepted));
    }

    public State AwaitingPayment { get; private set; } = null!;
    public State Paid { get; private set; } = null!;
    public State Failed { get; private set; } = null!;
    public State Cancelled { get; private set; } = null!;

    public Event<OfferAccepted> OfferAccepted { get; private set; } = null!;
    public Event<PaymentSucceeded> PaymentSucceeded { get; private set; } = null!;
    public Event<PaymentFailed> PaymentFailed { get; private set; } = null!;
    public Event<PaymentIntentCanceled> PaymentIntentCanceled { get; private set; } = null!;
    public Event<RetryPayment> RetryPayment { get; private set; } = null!;
    public Event<PayoutAccountConnected> PayoutAccountConnected { get; private set; } = null!;
    public Event<CreatePaymentIntent> CreatePaymentIntent { get; private set; } = null!;
    public Event<Fault<CreatePaymentIntent>> CreatePaymentIntentFaulted { get; private set; } = null!;
    public Event<SendPayout> SendPayout { get; private set; } = null!;

    public Schedule<PaymentState, PaymentDeadlineDue> Deadline { get; private set; } = null!;
}

public static class PaymentRejections
{
    /// <summary>The failure code of a sale whose PaymentIntent could not be set up (Stripe down past every retry).</summary>
    public const string SetupFailed = "payment_setup_failed";

    public static PaymentRejected NotFound(Guid id) => new(id, "transaction_not_found", 404, "The transaction does not exist.");

    public static PaymentRejected OnlyBuyer(Guid id) => new(id, "only_buyer_can_pay", 403, "Only the buyer can pay for this transaction.");
}

public static class PaymentBinderExtensions
{
    /// <summary>Publishes TransactionUpdated (Realtime pushes it as <c>transaction:updated</c>); call after the transition.</summary>
    public static EventActivityBinder<PaymentState, T> PublishUpdated<T>(this EventActivityBinder<PaymentState, T> binder, string change,
        Func<BehaviorContext<PaymentState, T>, Guid?> actor) where T : class =>
        binder.Publish(ctx => ctx.Saga.Updated(change, actor(ctx)));

    /// <summary>
    /// Sends the saga one of its own steps (<see cref="CreatePaymentIntent"/>, <see cref="SendPayout"/>) through the outbox, so it
    /// runs after this transaction commits, with its own retries and its own fault.
    /// </summary>
    public static EventActivityBinder<PaymentState, T> SendToSelf<T, TStep>(this EventActivityBinder<PaymentState, T> binder,
        Func<BehaviorContext<PaymentState, T>, TStep> step) where T : class where TStep : class =>
        binder.Send(ctx => ctx.ReceiveContext.InputAddress, ctx => step(ctx));

    /// <summary>The payout decided <c>transfer_pending</c>: the Transfer is the next step, not part of this transaction.</summary>
    public static EventActivityBinder<PaymentState, T> SendPayoutIfPending<T>(this EventActivityBinder<PaymentState, T> binder) where T : class =>
        binder.If(ctx => ctx.Saga.PayoutStatus == PayoutStatuses.TransferPending,
            pending => pending.SendToSelf(ctx => new SendPayout(ctx.Saga.CorrelationId, ctx.Saga.OfferId)));

    /// <summary>Writes the status the saga's state means onto the transaction row, in the saga's own database transaction.</summary>
    public static EventActivityBinder<PaymentState, T> SetTransactionStatus<T>(this EventActivityBinder<PaymentState, T> binder) where T : class =>
        binder.ThenAsync(ctx => TransactionRows.SetStatus(ctx.GetServiceOrCreateInstance<SoukLoop.Persistence.SoukDbContext>(),
            ctx.Saga.CorrelationId, ctx.Saga.TransactionStatus(), ctx.CancellationToken));
}
