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
        ExpiresAfter = options.Value.ExpiresAfter;

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
            s.Delay = ExpiresAfter;
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
                .ArmExpiry(ExpirationTimeout, ExpiresAfter)
                .TransitionTo(Pending)
                .Tell(MessageTypes.Offer, "made", ctx => ctx.Message.Message ?? $"Offered {ctx.Message.OfferedPrice:0.00} {ctx.Saga.Currency}")
                .Publish(ctx => ctx.Made())
                .RespondStatus()
                .Catch<OfferRuleViolation>(ex => ex.RespondRejection().Finalize()));

        During(Pending,
            When(AcceptOffer).ByTheAwaitedParty(o => o.SellerId).Sell(this),
            When(DeclineOffer).ByTheAwaitedParty(o => o.SellerId).Decline(this),
            When(CounterOffer).ByTheAwaitedParty(o => o.SellerId).Counter(this, Countered),
            When(WithdrawOffer).Withdraw(this),
            When(CloseOffer).CloseAsSold(this),
            When(ExpirationTimeout.Received).Expire(this),
            When(ExpireOffer).Expire(this),
            When(RearmOfferExpiry).Rearm(this));

        During(Countered,
            When(AcceptOffer).ByTheAwaitedParty(o => o.BuyerId).Sell(this),
            When(DeclineOffer).ByTheAwaitedParty(o => o.BuyerId).Decline(this),
            When(CounterOffer).ByTheAwaitedParty(o => o.BuyerId).Counter(this, Pending),
            When(WithdrawOffer).Withdraw(this),
            When(CloseOffer).CloseAsSold(this),
            When(ExpirationTimeout.Received).Expire(this),
            When(ExpireOffer).Expire(this),
            When(RearmOfferExpiry).Rearm(this));

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
            When(MakeOffer).RespondDuplicate(),
            When(GetOffer).RespondStatus());

        // A rejected MakeOffer is finalized: it must leave no saga behind (no "Final" row), so the offer simply does not
        // exist and every later command or query about it is answered OfferNotFound instead of faulting on Final.
        SetCompletedWhenFinalized();

        ConnectEventObserver(timeline);
        ConnectStateObserver(new OfferOutcomeObserver());
    }

    /// <summary>How long an offer stays open after its last move (<c>Offers:ExpiresAfter</c>).</summary>
    public TimeSpan ExpiresAfter { get; }

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
