using SoukLoop.Contracts;
using SoukLoop.UnitTests.Infrastructure;
using SoukLoop.Workers.Offers;
using Xunit.Abstractions;

namespace SoukLoop.UnitTests.Offers;

/// <summary>Support re-arms an open offer whose timeout was lost: a fresh timeout, one <c>ExpiresAfter</c> from now.</summary>
public class When_support_rearms_the_expiry(PostgresDatabase database, ITestOutputHelper output)
    : OfferSagaSpec(database, output), IClassFixture<PostgresDatabase>
{
    [Theory]
    [InlineData("Pending")]
    [InlineData("Countered")]
    public async Task Should_schedule_a_fresh_timeout_and_change_nothing_else(string state)
    {
        var offer = await OfferIn(state);
        var before = Copy(offer);
        var tokenBefore = offer.ExpirationTokenId;
        var timeoutsBefore = ScheduledTimeouts(offer.CorrelationId).Count;
        var messagesBefore = (await Messages(offer.ConversationId)).Count;
        await Task.Delay(20);

        var status = await Applied(new RearmOfferExpiry(offer.CorrelationId, Support.Id, "timeout lost"));

        Assert.Equal(state, offer.CurrentState);
        Assert.NotEqual(tokenBefore, offer.ExpirationTokenId);
        Assert.True(offer.ExpiresAt > before.ExpiresAt);
        AssertRecent(offer.ExpiresAt, ExpiresAfter);
        Assert.Equal(before with { ExpiresAt = offer.ExpiresAt }, Copy(offer));
        Assert.Equal(Copy(offer), status.Offer);
        Assert.Equal(timeoutsBefore + 1, ScheduledTimeouts(offer.CorrelationId).Count);

        Assert.Equal(state == "Pending" ? 1 : 2, PublishedOfferEvents().Count);
        Assert.Equal(messagesBefore, (await Messages(offer.ConversationId)).Count);
        AssertEntry(await LastTimelineEntry(offer.CorrelationId), "RearmOfferExpiry", Support.Id, state, state, "timeout lost");
    }

    [Fact]
    public async Task Should_expire_on_the_rearmed_timeout_and_ignore_the_replaced_one()
    {
        var offer = await MakeOffer(60m);
        await AdvanceTime(TimeSpan.FromMinutes(40));
        await Applied(new RearmOfferExpiry(offer.CorrelationId, Support.Id, "timeout lost"));

        await AdvanceTime(TimeSpan.FromMinutes(30));
        await TimeoutsConsumed(offer.CorrelationId, 1);
        AssertInState(offer, x => x.Pending);
        Assert.Empty(Published<OfferExpired>());

        await AdvanceTime(TimeSpan.FromMinutes(40));
        await TimeoutsConsumed(offer.CorrelationId, 2);
        AssertInState(offer, x => x.Expired);
        Assert.Single(Published<OfferExpired>());
    }

    [Theory]
    [InlineData("Accepted")]
    [InlineData("Declined")]
    [InlineData("Withdrawn")]
    public async Task Should_refuse_to_rearm_a_closed_offer(string state)
    {
        var offer = await OfferIn(state);
        var before = await Observe(offer);

        await Rejected(new RearmOfferExpiry(offer.CorrelationId, Support.Id, "timeout lost"), Rejection.OfferClosed);

        await AssertNothingChanged(before, offer);
        Assert.Equal(before.Snapshot.ExpiresAt, offer.ExpiresAt);
    }

    [Fact]
    public async Task Should_refuse_to_rearm_an_expired_offer()
    {
        var offer = await ExpiredOffer();
        var before = await Observe(offer);

        await Rejected(new RearmOfferExpiry(offer.CorrelationId, Support.Id, "timeout lost"), Rejection.OfferExpired);

        await AssertNothingChanged(before, offer);
    }
}
