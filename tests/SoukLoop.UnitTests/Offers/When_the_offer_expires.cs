using SoukLoop.Contracts;
using SoukLoop.Persistence.Model;
using SoukLoop.UnitTests.Infrastructure;
using SoukLoop.Workers.Offers;
using Xunit.Abstractions;

namespace SoukLoop.UnitTests.Offers;

/// <summary>
/// The expiry is the state machine's Schedule: every move schedules <see cref="OfferExpirationDue"/> one
/// <c>Offers:ExpiresAfter</c> (1 h here) ahead on the in-memory transport; the specs move the transport's clock.
/// </summary>
public class When_the_offer_expires(PostgresDatabase database, ITestOutputHelper output)
    : OfferSagaSpec(database, output), IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task Should_expire_a_pending_offer_when_nobody_moves()
    {
        var offer = await MakeOffer(60m);
        var expiresAt = offer.ExpiresAt;

        await AdvanceTime(ExpiresAfter + TimeSpan.FromMinutes(1));
        await TimeoutsConsumed(offer.CorrelationId, 1);

        Assert.Equal(offer.CorrelationId, await SagaHarness.Exists(offer.CorrelationId, x => x.Expired));
        Assert.Null(offer.ExpirationTokenId);
        var expired = Assert.Single(Published<OfferExpired>());
        Assert.Equal((offer.CorrelationId, (Guid?)null), (expired.OfferId, expired.ActorId));
        Assert.Equal(Copy(offer), expired.Offer);
        Assert.Equal(("expired", (string?)null), (expired.Offer.Status, expired.Offer.Awaiting));
        // The offer keeps the expiry it reached (a support-forced expiry clears it instead: there was none reached).
        Assert.Equal(expiresAt, expired.Offer.ExpiresAt);
    }

    [Fact]
    public async Task Should_tell_both_sides_and_record_the_timeout_as_a_system_move()
    {
        var offer = await MakeOffer(60m);

        await AdvanceTime(ExpiresAfter + TimeSpan.FromMinutes(1));
        await TimeoutsConsumed(offer.CorrelationId, 1);

        var message = (await Messages(offer.ConversationId)).Last();
        Assert.Equal((MessageTypes.System, OfferConversation.SystemSender, "Offer expired"), (message.MessageType, message.SenderId, message.Content));
        var conversation = await Conversation(offer.ConversationId);
        Assert.Equal((1, 2), (conversation.UnreadCountBuyer, conversation.UnreadCountSeller));

        var timeline = await Timeline(offer.CorrelationId);
        Assert.Equal(2, timeline.Count);
        AssertEntry(timeline[1], "ExpirationTimeout.Received", null, "Pending", "Expired");
    }

    [Fact]
    public async Task Should_expire_a_countered_offer_when_the_buyer_does_not_answer()
    {
        var offer = await CounteredOffer(60m, 90m);

        await AdvanceTime(ExpiresAfter + TimeSpan.FromMinutes(1));
        await TimeoutsConsumed(offer.CorrelationId, 2);

        AssertInState(offer, x => x.Expired);
        var expired = Assert.Single(Published<OfferExpired>());
        Assert.Equal(("expired", (string?)null, (decimal?)90m, 2), (expired.Offer.Status, expired.Offer.Awaiting, expired.Offer.CounterPrice,
            expired.Offer.Round));
        // Both timeouts came due at once; only the counter's (the current token) expired the offer.
        var timeline = await Timeline(offer.CorrelationId);
        AssertEntry(Assert.Single(timeline, e => e.Action == "ExpirationTimeout.Received"), "ExpirationTimeout.Received", null, "Countered", "Expired");
        Assert.Single(timeline, e => e.Action == "ExpirationTimeout.AnyReceived" && e.StateBefore == e.StateAfter);
    }

    [Fact]
    public async Task Should_not_expire_before_the_configured_time()
    {
        var offer = await MakeOffer(60m);

        await AdvanceTime(ExpiresAfter - TimeSpan.FromMinutes(1));
        await Task.Delay(200);

        AssertInState(offer, x => x.Pending);
        Assert.Empty(Log.ConsumedMessages<OfferExpirationDue>());
        Assert.Empty(Published<OfferExpired>());

        await AdvanceTime(TimeSpan.FromMinutes(2));
        await TimeoutsConsumed(offer.CorrelationId, 1);
        AssertInState(offer, x => x.Expired);
    }

    [Fact]
    public async Task Should_reset_the_expiry_on_every_move_and_ignore_the_superseded_timeout()
    {
        var offer = await MakeOffer(60m);
        await AdvanceTime(TimeSpan.FromMinutes(40));
        await Applied(new CounterOffer(offer.CorrelationId, Seller.Id, 90m, null));

        // The make's timeout comes due (minute 60): its token is no longer the offer's, so nothing happens.
        await AdvanceTime(TimeSpan.FromMinutes(30));
        await TimeoutsConsumed(offer.CorrelationId, 1);
        AssertInState(offer, x => x.Countered);
        Assert.NotNull(offer.ExpirationTokenId);
        Assert.Empty(Published<OfferExpired>());
        AssertEntry(await LastTimelineEntry(offer.CorrelationId), "ExpirationTimeout.AnyReceived", null, "Countered", "Countered");

        // The counter's timeout comes due (minute 100).
        await AdvanceTime(TimeSpan.FromMinutes(40));
        await TimeoutsConsumed(offer.CorrelationId, 2);
        AssertInState(offer, x => x.Expired);
        Assert.Single(Published<OfferExpired>());
        AssertEntry(await LastTimelineEntry(offer.CorrelationId), "ExpirationTimeout.Received", null, "Countered", "Expired");
    }

    [Fact]
    public async Task Should_ignore_the_timeout_of_an_offer_that_was_answered_meanwhile()
    {
        var offer = await MakeOffer(60m);
        await Applied(new AcceptOffer(offer.CorrelationId, Seller.Id));
        var before = await Observe(offer);

        await AdvanceTime(ExpiresAfter + TimeSpan.FromMinutes(1));
        await TimeoutsConsumed(offer.CorrelationId, 1);

        await AssertNothingChanged(before, offer);
        AssertInState(offer, x => x.Accepted);
        Assert.Empty(Published<OfferExpired>());
        AssertEntry(await LastTimelineEntry(offer.CorrelationId), "ExpirationTimeout.AnyReceived", null, "Accepted", "Accepted");
    }

    [Fact]
    public async Task Should_answer_offer_expired_to_every_later_move()
    {
        var offer = await ExpiredOffer();

        var rejected = await Rejected(new AcceptOffer(offer.CorrelationId, Seller.Id), Rejection.OfferExpired);

        Assert.Contains("expired", rejected.Detail);
    }
}
