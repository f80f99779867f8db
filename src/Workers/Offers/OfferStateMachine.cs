using MassTransit;
using Microsoft.Extensions.Options;
using SoukLoop.Contracts;
using SoukLoop.Persistence.Model;

namespace SoukLoop.Workers.Offers;

/// <summary>
/// One saga per offer. A buyer offers below the list price; the seller is awaited (<see cref="Pending"/>). Whoever is
/// awaited accepts, declines or counters strictly between the two sides' last prices, which hands the turn to the
/// other side (<see cref="Countered"/> awaits the buyer). The buyer may withdraw while the offer is open. Every move
/// resets the expiry; when it passes, the offer expires. Accepting sells the product once and closes its other offers.
/// </summary>
public class OfferStateMachine : MassTransitStateMachine<OfferState>
{
    public OfferStateMachine(IOptions<OfferOptions> options, OfferTimelineObserver timeline)
    {
        var expiresAfter = options.Value.ExpiresAfter;

        InstanceState(x => x.CurrentState);

        Event(() => MakeOffer, x => x.CorrelateById(m => m.Message.OfferId));
        Event(() => AcceptOffer, x => x.CorrelateById(m => m.Message.OfferId).OnMissingInstance(m => m.ExecuteAsync(NotFound)));
        Event(() => DeclineOffer, x => x.CorrelateById(m => m.Message.OfferId).OnMissingInstance(m => m.ExecuteAsync(NotFound)));
        Event(() => CounterOffer, x => x.CorrelateById(m => m.Message.OfferId).OnMissingInstance(m => m.ExecuteAsync(NotFound)));
        Event(() => WithdrawOffer, x => x.CorrelateById(m => m.Message.OfferId).OnMissingInstance(m => m.ExecuteAsync(NotFound)));
        Event(() => ExpireOffer, x => x.CorrelateById(m => m.Message.OfferId).OnMissingInstance(m => m.ExecuteAsync(NotFound)));
        Event(() => RearmOfferExpiry, x => x.CorrelateById(m => m.Message.OfferId).OnMissingInstance(m => m.ExecuteAsync(NotFound)));
        Event(() => CloseOffer, x => x.CorrelateById(m => m.Message.OfferId).OnMissingInstance(m => m.Discard()));
        Event(() => GetOffer, x =>
        {
            x.CorrelateById(m => m.Message.OfferId);
            x.OnMissingInstance(m => m.ExecuteAsync(NotFound));
            x.ReadOnly = true;
        });

        Schedule(() => ExpirationTimeout, x => x.ExpirationTokenId, s =>
        {
            s.Delay = expiresAfter;
            s.Received = r => r.CorrelateById(m => m.Message.OfferId);
        });

        Initially(
            When(MakeOffer)
                .Activity(x => x.OfType<LoadProductActivity>())
                .Require(ctx => ctx.GetPayload<Product>().Status == ProductStatuses.Available, Rejection.ProductNotAvailable)
                .Require(ctx => ctx.Message.BuyerId != ctx.Saga.SellerId, Rejection.OwnProduct)
                .Require(ctx => ctx.Message.OfferedPrice > 0 && ctx.Message.OfferedPrice < ctx.Saga.ListPrice, Rejection.PriceNotBelowList)
                .Then(ctx => ctx.Saga.Open(ctx.Message, DateTime.UtcNow))
                .Activity(x => x.OfType<OpenConversationActivity>())
                .ArmExpiry(ExpirationTimeout, expiresAfter)
                .TransitionTo(Pending)
                .Tell(MessageTypes.Offer, "made", ctx => ctx.Message.Message ?? $"Offered {ctx.Message.OfferedPrice:0.00} {ctx.Saga.Currency}")
                .Publish(ctx => ctx.Made())
                .RespondStatus()
                .Catch<OfferRuleViolation>(ex => ex.RespondRejection().Finalize()));

        During(Pending,
            When(AcceptOffer)
                .ByTheAwaitedParty(o => o.SellerId)
                .Activity(x => x.OfType<CompleteSaleActivity>())
                .Close(ExpirationTimeout)
                .TransitionTo(Accepted)
                .Tell(MessageTypes.System, "accepted", ctx => $"Offer accepted at {ctx.Saga.BuyerPrice:0.00} {ctx.Saga.Currency}")
                .Publish(ctx => ctx.Accepted())
                .RespondStatus()
                .Catch<OfferRuleViolation>(ex => ex.RespondRejection()),
            When(DeclineOffer)
                .ByTheAwaitedParty(o => o.SellerId)
                .Close(ExpirationTimeout)
                .TransitionTo(Declined)
                .Tell(MessageTypes.System, "declined", ctx => ctx.Message.Message ?? "Offer declined")
                .Publish(ctx => new OfferDeclined(ctx.Saga.CorrelationId, ctx.Saga.ToSnapshot(), ctx.Message.ActorId, "declined", DateTime.UtcNow))
                .RespondStatus()
                .Catch<OfferRuleViolation>(ex => ex.RespondRejection()),
            When(CounterOffer)
                .ByTheAwaitedParty(o => o.SellerId)
                .Require(ctx => ctx.Saga.BuyerPrice < ctx.Message.CounterPrice && ctx.Message.CounterPrice < ctx.Saga.SellerPrice,
                    Rejection.CounterOutOfRange)
                .Then(ctx => ctx.Saga.Counter(ctx.Message, DateTime.UtcNow))
                .ArmExpiry(ExpirationTimeout, expiresAfter)
                .TransitionTo(Countered)
                .Tell(MessageTypes.Offer, "countered", ctx => ctx.Message.Message ?? $"Countered at {ctx.Message.CounterPrice:0.00} {ctx.Saga.Currency}")
                .Publish(ctx => ctx.Countered())
                .RespondStatus()
                .Catch<OfferRuleViolation>(ex => ex.RespondRejection()),
            When(WithdrawOffer)
                .ByAParty()
                .Require(ctx => ctx.Message.ActorId == ctx.Saga.BuyerId, Rejection.OnlyBuyerWithdraws)
                .Close(ExpirationTimeout)
                .TransitionTo(Withdrawn)
                .Tell(MessageTypes.System, "withdrawn", _ => "Offer withdrawn")
                .Publish(ctx => new OfferWithdrawn(ctx.Saga.CorrelationId, ctx.Saga.ToSnapshot(), ctx.Message.ActorId, DateTime.UtcNow))
                .RespondStatus()
                .Catch<OfferRuleViolation>(ex => ex.RespondRejection()),
            When(CloseOffer)
                .Close(ExpirationTimeout)
                .TransitionTo(Declined)
                .Tell(MessageTypes.System, "declined", _ => "The item was sold to another buyer")
                .Publish(ctx => new OfferDeclined(ctx.Saga.CorrelationId, ctx.Saga.ToSnapshot(), null, "product_sold", DateTime.UtcNow)),
            When(ExpirationTimeout.Received)
                .Then(ctx => ctx.Saga.UpdatedAt = DateTime.UtcNow)
                .TransitionTo(Expired)
                .Tell(MessageTypes.System, "expired", _ => "Offer expired")
                .Publish(ctx => new OfferExpired(ctx.Saga.CorrelationId, ctx.Saga.ToSnapshot(), null, DateTime.UtcNow)),
            When(ExpireOffer)
                .Close(ExpirationTimeout)
                .TransitionTo(Expired)
                .Tell(MessageTypes.System, "expired", _ => "Offer expired")
                .Publish(ctx => new OfferExpired(ctx.Saga.CorrelationId, ctx.Saga.ToSnapshot(), ctx.Message.ActorId, DateTime.UtcNow))
                .RespondStatus(),
            When(RearmOfferExpiry)
                .ArmExpiry(ExpirationTimeout, expiresAfter)
                .RespondStatus());

        During(Countered,
            When(AcceptOffer)
                .ByTheAwaitedParty(o => o.BuyerId)
                .Activity(x => x.OfType<CompleteSaleActivity>())
                .Close(ExpirationTimeout)
                .TransitionTo(Accepted)
                .Tell(MessageTypes.System, "accepted", ctx => $"Counter offer accepted at {ctx.Saga.SellerPrice:0.00} {ctx.Saga.Currency}")
                .Publish(ctx => ctx.Accepted())
                .RespondStatus()
                .Catch<OfferRuleViolation>(ex => ex.RespondRejection()),
            When(DeclineOffer)
                .ByTheAwaitedParty(o => o.BuyerId)
                .Close(ExpirationTimeout)
                .TransitionTo(Declined)
                .Tell(MessageTypes.System, "declined", ctx => ctx.Message.Message ?? "Counter offer declined")
                .Publish(ctx => new OfferDeclined(ctx.Saga.CorrelationId, ctx.Saga.ToSnapshot(), ctx.Message.ActorId, "declined", DateTime.UtcNow))
                .RespondStatus()
                .Catch<OfferRuleViolation>(ex => ex.RespondRejection()),
            When(CounterOffer)
                .ByTheAwaitedParty(o => o.BuyerId)
                .Require(ctx => ctx.Saga.BuyerPrice < ctx.Message.CounterPrice && ctx.Message.CounterPrice < ctx.Saga.SellerPrice,
                    Rejection.CounterOutOfRange)
                .Then(ctx => ctx.Saga.Counter(ctx.Message, DateTime.UtcNow))
                .ArmExpiry(ExpirationTimeout, expiresAfter)
                .TransitionTo(Pending)
                .Tell(MessageTypes.Offer, "countered", ctx => ctx.Message.Message ?? $"Countered at {ctx.Message.CounterPrice:0.00} {ctx.Saga.Currency}")
                .Publish(ctx => ctx.Countered())
                .RespondStatus()
                .Catch<OfferRuleViolation>(ex => ex.RespondRejection()),
            When(WithdrawOffer)
                .ByAParty()
                .Require(ctx => ctx.Message.ActorId == ctx.Saga.BuyerId, Rejection.OnlyBuyerWithdraws)
                .Close(ExpirationTimeout)
                .TransitionTo(Withdrawn)
                .Tell(MessageTypes.System, "withdrawn", _ => "Offer withdrawn")
                .Publish(ctx => new OfferWithdrawn(ctx.Saga.CorrelationId, ctx.Saga.ToSnapshot(), ctx.Message.ActorId, DateTime.UtcNow))
                .RespondStatus()
                .Catch<OfferRuleViolation>(ex => ex.RespondRejection()),
            When(CloseOffer)
                .Close(ExpirationTimeout)
                .TransitionTo(Declined)
                .Tell(MessageTypes.System, "declined", _ => "The item was sold to another buyer")
                .Publish(ctx => new OfferDeclined(ctx.Saga.CorrelationId, ctx.Saga.ToSnapshot(), null, "product_sold", DateTime.UtcNow)),
            When(ExpirationTimeout.Received)
                .Then(ctx => ctx.Saga.UpdatedAt = DateTime.UtcNow)
                .TransitionTo(Expired)
                .Tell(MessageTypes.System, "expired", _ => "Offer expired")
                .Publish(ctx => new OfferExpired(ctx.Saga.CorrelationId, ctx.Saga.ToSnapshot(), null, DateTime.UtcNow)),
            When(ExpireOffer)
                .Close(ExpirationTimeout)
                .TransitionTo(Expired)
                .Tell(MessageTypes.System, "expired", _ => "Offer expired")
                .Publish(ctx => new OfferExpired(ctx.Saga.CorrelationId, ctx.Saga.ToSnapshot(), ctx.Message.ActorId, DateTime.UtcNow))
                .RespondStatus(),
            When(RearmOfferExpiry)
                .ArmExpiry(ExpirationTimeout, expiresAfter)
                .RespondStatus());

        During(Accepted, Declined, Withdrawn, Expired,
            When(AcceptOffer).ByAParty().RespondClosed().Catch<OfferRuleViolation>(ex => ex.RespondRejection()),
            When(DeclineOffer).ByAParty().RespondClosed().Catch<OfferRuleViolation>(ex => ex.RespondRejection()),
            When(CounterOffer).ByAParty().RespondClosed().Catch<OfferRuleViolation>(ex => ex.RespondRejection()),
            When(WithdrawOffer).ByAParty().RespondClosed().Catch<OfferRuleViolation>(ex => ex.RespondRejection()),
            When(ExpireOffer).RespondClosed(),
            When(RearmOfferExpiry).RespondClosed(),
            Ignore(CloseOffer),
            Ignore(ExpirationTimeout.Received));

        DuringAny(
            When(GetOffer).RespondStatus());

        ConnectEventObserver(timeline);
        ConnectStateObserver(new OfferOutcomeObserver());
    }

    public State Pending { get; private set; } = null!;
    public State Countered { get; private set; } = null!;
    public State Accepted { get; private set; } = null!;
    public State Declined { get; private set; } = null!;
    public State Withdrawn { get; private set; } = null!;
    public State Expired { get; private set; } = null!;

    public Event<MakeOffer> MakeOffer { get; private set; } = null!;
    public Event<AcceptOffer> AcceptOffer { get; private set; } = null!;
    public Event<DeclineOffer> DeclineOffer { get; private set; } = null!;
    public Event<CounterOffer> CounterOffer { get; private set; } = null!;
    public Event<WithdrawOffer> WithdrawOffer { get; private set; } = null!;
    public Event<CloseOffer> CloseOffer { get; private set; } = null!;
    public Event<ExpireOffer> ExpireOffer { get; private set; } = null!;
    public Event<RearmOfferExpiry> RearmOfferExpiry { get; private set; } = null!;
    public Event<GetOffer> GetOffer { get; private set; } = null!;

    public Schedule<OfferState, OfferExpirationDue> ExpirationTimeout { get; private set; } = null!;

    static Task NotFound<T>(ConsumeContext<T> context) where T : class =>
        context.RespondAsync(new OfferNotFound(OfferMoves.OfferIdOf(context.Message)));
}
