using MassTransit;
using SoukLoop.Contracts;
using SoukLoop.Persistence.Model;

namespace SoukLoop.Workers.Offers;

/// <summary>
/// The moves of an open offer, the same whichever side is awaited: the state machine says who may make them and
/// where they lead; these say what each move does.
/// </summary>
public static class OfferStepExtensions
{
    /// <summary>Sells the product at the price on the table, closes the offer and tells both sides.</summary>
    public static EventActivityBinder<OfferState, AcceptOffer> Sell(this EventActivityBinder<OfferState, AcceptOffer> binder, OfferStateMachine machine) =>
        binder
            .Activity(x => x.OfType<CompleteSaleActivity>())
            .Close(machine.ExpirationTimeout)
            .TransitionTo(machine.Accepted)
            .Tell(MessageTypes.System, "accepted",
                ctx => $"{What(ctx.Saga, ctx.Message.ActorId)} accepted at {ctx.GetPayload<Transaction>().Amount:0.00} {ctx.Saga.Currency}")
            .Publish(ctx => ctx.Accepted())
            .RespondStatus()
            .Catch<OfferRuleViolation>(ex => ex.RespondRejection());

    public static EventActivityBinder<OfferState, DeclineOffer> Decline(this EventActivityBinder<OfferState, DeclineOffer> binder, OfferStateMachine machine) =>
        binder
            .Close(machine.ExpirationTimeout)
            .TransitionTo(machine.Declined)
            .Tell(MessageTypes.System, "declined", ctx => ctx.Message.Message ?? $"{What(ctx.Saga, ctx.Message.ActorId)} declined")
            .Publish(ctx => new OfferDeclined(ctx.Saga.CorrelationId, ctx.Saga.ToSnapshot(), ctx.Message.ActorId, "declined", DateTime.UtcNow))
            .RespondStatus()
            .Catch<OfferRuleViolation>(ex => ex.RespondRejection());

    /// <summary>The buyer answers the seller's counter offer; the seller answers the buyer's offer.</summary>
    static string What(OfferState offer, Guid actor) => actor == offer.BuyerId ? "Counter offer" : "Offer";

    /// <summary>A counter strictly between the two sides' last prices hands the turn to the other side.</summary>
    public static EventActivityBinder<OfferState, CounterOffer> Counter(this EventActivityBinder<OfferState, CounterOffer> binder, OfferStateMachine machine,
        State awaitingTheOtherSide) =>
        binder
            .Require(ctx => ctx.Saga.BuyerPrice < ctx.Message.CounterPrice && ctx.Message.CounterPrice < ctx.Saga.SellerPrice,
                Rejection.CounterOutOfRange)
            .Then(ctx => ctx.Saga.Counter(ctx.Message, DateTime.UtcNow))
            .ArmExpiry(machine.ExpirationTimeout, machine.ExpiresAfter)
            .TransitionTo(awaitingTheOtherSide)
            .Tell(MessageTypes.Offer, "countered", ctx => ctx.Message.Message ?? $"Countered at {ctx.Message.CounterPrice:0.00} {ctx.Saga.Currency}")
            .Publish(ctx => ctx.Countered())
            .RespondStatus()
            .Catch<OfferRuleViolation>(ex => ex.RespondRejection());

    /// <summary>Only the buyer takes an offer back, whoever is awaited.</summary>
    public static EventActivityBinder<OfferState, WithdrawOffer> Withdraw(this EventActivityBinder<OfferState, WithdrawOffer> binder,
        OfferStateMachine machine) =>
        binder
            .ByAParty()
            .Require(ctx => ctx.Message.ActorId == ctx.Saga.BuyerId, Rejection.OnlyBuyerWithdraws)
            .Close(machine.ExpirationTimeout)
            .TransitionTo(machine.Withdrawn)
            .Tell(MessageTypes.System, "withdrawn", _ => "Offer withdrawn")
            .Publish(ctx => new OfferWithdrawn(ctx.Saga.CorrelationId, ctx.Saga.ToSnapshot(), ctx.Message.ActorId, DateTime.UtcNow))
            .RespondStatus()
            .Catch<OfferRuleViolation>(ex => ex.RespondRejection());

    /// <summary>The product went to another offer: this one is declined by the system.</summary>
    public static EventActivityBinder<OfferState, CloseOffer> CloseAsSold(this EventActivityBinder<OfferState, CloseOffer> binder,
        OfferStateMachine machine) =>
        binder
            .Close(machine.ExpirationTimeout)
            .TransitionTo(machine.Declined)
            .Tell(MessageTypes.System, "declined", _ => "The item was sold to another buyer")
            .Publish(ctx => new OfferDeclined(ctx.Saga.CorrelationId, ctx.Saga.ToSnapshot(), null, "product_sold", DateTime.UtcNow));

    /// <summary>Nobody moved in time.</summary>
    public static EventActivityBinder<OfferState, OfferExpirationDue> Expire(this EventActivityBinder<OfferState, OfferExpirationDue> binder,
        OfferStateMachine machine) =>
        binder
            .Then(ctx => ctx.Saga.UpdatedAt = DateTime.UtcNow)
            .TransitionTo(machine.Expired)
            .Tell(MessageTypes.System, "expired", _ => "Offer expired")
            .Publish(ctx => new OfferExpired(ctx.Saga.CorrelationId, ctx.Saga.ToSnapshot(), null, DateTime.UtcNow));

    /// <summary>Support expires the offer now (the reason lands in the timeline).</summary>
    public static EventActivityBinder<OfferState, ExpireOffer> Expire(this EventActivityBinder<OfferState, ExpireOffer> binder,
        OfferStateMachine machine) =>
        binder
            .Close(machine.ExpirationTimeout)
            .TransitionTo(machine.Expired)
            .Tell(MessageTypes.System, "expired", _ => "Offer expired")
            .Publish(ctx => new OfferExpired(ctx.Saga.CorrelationId, ctx.Saga.ToSnapshot(), ctx.Message.ActorId, DateTime.UtcNow))
            .RespondStatus();

    /// <summary>Support re-arms a lost timeout: a fresh expiry from now.</summary>
    public static EventActivityBinder<OfferState, RearmOfferExpiry> Rearm(this EventActivityBinder<OfferState, RearmOfferExpiry> binder,
        OfferStateMachine machine) =>
        binder
            .ArmExpiry(machine.ExpirationTimeout, machine.ExpiresAfter)
            .RespondStatus();
}
