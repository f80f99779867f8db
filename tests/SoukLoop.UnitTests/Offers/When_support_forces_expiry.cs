using SoukLoop.Contracts;
using SoukLoop.Persistence.Model;
using SoukLoop.UnitTests.Infrastructure;
using SoukLoop.Workers.Offers;
using Xunit.Abstractions;

namespace SoukLoop.UnitTests.Offers;

public class When_support_forces_expiry(PostgresDatabase database, ITestOutputHelper output)
    : OfferSagaSpec(database, output), IClassFixture<PostgresDatabase>
{
    [Theory]
    [InlineData("Pending")]
    [InlineData("Countered")]
    public async Task Should_expire_an_open_offer_now(string state)
    {
        var offer = await OfferIn(state);

        var status = await Applied(new ExpireOffer(offer.CorrelationId, Support.Id, "buyer reported fraud"));

        AssertInState(offer, x => x.Expired);
        Assert.Null(offer.ExpiresAt);
        Assert.Null(offer.ExpirationTokenId);
        Assert.Equal(Copy(offer), status.Offer);
        Assert.Equal(("expired", (string?)null), (status.Offer.Status, status.Offer.Awaiting));

        var expired = Assert.Single(Published<OfferExpired>());
        Assert.Equal((offer.CorrelationId, (Guid?)Support.Id), (expired.OfferId, expired.ActorId));
        Assert.Equal(Copy(offer), expired.Offer);
        Assert.Null(expired.Offer.ExpiresAt);
    }

    [Fact]
    public async Task Should_tell_both_sides_and_record_the_reason_in_the_timeline()
    {
        var offer = await MakeOffer(60m);

        await Applied(new ExpireOffer(offer.CorrelationId, Support.Id, "buyer reported fraud"));

        var message = (await Messages(offer.ConversationId)).Last();
        Assert.Equal((MessageTypes.System, "Offer expired"), (message.MessageType, message.Content));
        var conversation = await Conversation(offer.ConversationId);
        Assert.Equal((1, 2), (conversation.UnreadCountBuyer, conversation.UnreadCountSeller));
        AssertEntry(await LastTimelineEntry(offer.CorrelationId), "ExpireOffer", Support.Id, "Pending", "Expired", "buyer reported fraud");
    }

    [Fact]
    public async Task Should_leave_the_cancelled_timeout_without_effect()
    {
        var offer = await MakeOffer(60m);
        await Applied(new ExpireOffer(offer.CorrelationId, Support.Id, "stuck"));
        var before = await Observe(offer);

        await AdvanceTime(ExpiresAfter + TimeSpan.FromMinutes(1));
        await TimeoutsConsumed(offer.CorrelationId, 1);

        await AssertNothingChanged(before, offer);
        Assert.Single(Published<OfferExpired>());
        AssertEntry(await LastTimelineEntry(offer.CorrelationId), "ExpirationTimeout.AnyReceived", null, "Expired", "Expired");
    }

    [Fact]
    public async Task Should_answer_offer_expired_when_the_offer_already_expired()
    {
        var offer = await ExpiredOffer();
        var before = await Observe(offer);

        await Rejected(new ExpireOffer(offer.CorrelationId, Support.Id, "again"), Rejection.OfferExpired);

        await AssertNothingChanged(before, offer);
    }
}
