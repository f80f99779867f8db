using SoukLoop.Contracts;
using SoukLoop.Persistence.Model;
using SoukLoop.UnitTests.Infrastructure;
using SoukLoop.Workers.Offers;
using Xunit.Abstractions;

namespace SoukLoop.UnitTests.Offers;

public class When_an_offer_is_declined(PostgresDatabase database, ITestOutputHelper output)
    : OfferSagaSpec(database, output), IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task Should_decline_a_pending_offer_by_the_seller()
    {
        var offer = await MakeOffer(60m);

        var status = await Applied(new DeclineOffer(offer.CorrelationId, Seller.Id, null));

        AssertInState(offer, x => x.Declined);
        Assert.Null(offer.ExpiresAt);
        Assert.Null(offer.ExpirationTokenId);
        Assert.Null(offer.TransactionId);
        Assert.Equal(Copy(offer), status.Offer);
        Assert.Equal(("declined", (string?)null), (status.Offer.Status, status.Offer.Awaiting));
        Assert.Equal(ProductStatuses.Available, (await ProductRow(Product.Id)).Status);
        Assert.Empty(await Transactions(Product.Id));
    }

    [Fact]
    public async Task Should_publish_OfferDeclined_by_the_seller()
    {
        var offer = await MakeOffer(60m);

        await Applied(new DeclineOffer(offer.CorrelationId, Seller.Id, null));

        var declined = Assert.Single(Published<OfferDeclined>());
        Assert.Equal((offer.CorrelationId, (Guid?)Seller.Id, "declined"), (declined.OfferId, declined.ActorId, declined.Reason));
        Assert.Equal(Copy(offer), declined.Offer);
        Assert.Equal(("declined", (string?)null, (DateTime?)null), (declined.Offer.Status, declined.Offer.Awaiting, declined.Offer.ExpiresAt));
    }

    [Fact]
    public async Task Should_post_a_system_message_unread_by_the_buyer_and_record_the_decline()
    {
        var offer = await MakeOffer(60m);

        await Applied(new DeclineOffer(offer.CorrelationId, Seller.Id, null));

        var message = (await Messages(offer.ConversationId)).Last();
        Assert.Equal((MessageTypes.System, Seller.Id, "Offer declined"), (message.MessageType, message.SenderId, message.Content));
        var conversation = await Conversation(offer.ConversationId);
        Assert.Equal((1, 1), (conversation.UnreadCountBuyer, conversation.UnreadCountSeller));
        AssertEntry(await LastTimelineEntry(offer.CorrelationId), "DeclineOffer", Seller.Id, "Pending", "Declined");
    }

    [Fact]
    public async Task Should_post_the_sellers_own_words()
    {
        var offer = await MakeOffer(60m);

        await Applied(new DeclineOffer(offer.CorrelationId, Seller.Id, "Sorry, too low"));

        Assert.Equal("Sorry, too low", (await Messages(offer.ConversationId)).Last().Content);
    }

    [Fact]
    public async Task Should_decline_a_counter_by_the_buyer()
    {
        var offer = await CounteredOffer(60m, 90m);

        await Applied(new DeclineOffer(offer.CorrelationId, Buyer.Id, null));

        AssertInState(offer, x => x.Declined);
        Assert.Null(offer.ExpiresAt);
        var declined = Assert.Single(Published<OfferDeclined>());
        Assert.Equal(((Guid?)Buyer.Id, "declined", "declined"), (declined.ActorId, declined.Reason, declined.Offer.Status));
        var message = (await Messages(offer.ConversationId)).Last();
        Assert.Equal((MessageTypes.System, Buyer.Id, "Counter offer declined"), (message.MessageType, message.SenderId, message.Content));
        var conversation = await Conversation(offer.ConversationId);
        Assert.Equal((1, 2), (conversation.UnreadCountBuyer, conversation.UnreadCountSeller));
        AssertEntry(await LastTimelineEntry(offer.CorrelationId), "DeclineOffer", Buyer.Id, "Countered", "Declined");
    }

    [Fact]
    public async Task Should_refuse_a_decline_by_the_buyer_while_the_seller_is_awaited()
    {
        var offer = await MakeOffer(60m);
        var before = await Observe(offer);

        await Rejected(new DeclineOffer(offer.CorrelationId, Buyer.Id, null), Rejection.NotYourTurn);

        await AssertNothingChanged(before, offer);
        AssertEntry(await LastTimelineEntry(offer.CorrelationId), "DeclineOffer", Buyer.Id, "Pending", "Pending", Rejection.NotYourTurn.Code);
    }

    [Fact]
    public async Task Should_refuse_a_decline_by_the_seller_while_the_buyer_is_awaited()
    {
        var offer = await CounteredOffer(60m, 90m);
        var before = await Observe(offer);

        await Rejected(new DeclineOffer(offer.CorrelationId, Seller.Id, null), Rejection.NotYourTurn);

        await AssertNothingChanged(before, offer);
        AssertEntry(await LastTimelineEntry(offer.CorrelationId), "DeclineOffer", Seller.Id, "Countered", "Countered", Rejection.NotYourTurn.Code);
    }
}
