using SoukLoop.Contracts;
using SoukLoop.Persistence.Model;
using SoukLoop.UnitTests.Infrastructure;
using SoukLoop.Workers.Offers;
using Xunit.Abstractions;

namespace SoukLoop.UnitTests.Offers;

public class When_the_buyer_withdraws(PostgresDatabase database, ITestOutputHelper output)
    : OfferSagaSpec(database, output), IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task Should_withdraw_a_pending_offer()
    {
        var offer = await MakeOffer(60m);

        var status = await Applied(new WithdrawOffer(offer.CorrelationId, Buyer.Id));

        AssertInState(offer, x => x.Withdrawn);
        Assert.Null(offer.ExpiresAt);
        Assert.Null(offer.ExpirationTokenId);
        Assert.Equal(Copy(offer), status.Offer);
        Assert.Equal(("withdrawn", (string?)null), (status.Offer.Status, status.Offer.Awaiting));
        Assert.Equal(ProductStatuses.Available, (await ProductRow(Product.Id)).Status);
    }

    [Fact]
    public async Task Should_publish_OfferWithdrawn_post_a_system_message_unread_by_the_seller_and_record_it()
    {
        var offer = await MakeOffer(60m);

        await Applied(new WithdrawOffer(offer.CorrelationId, Buyer.Id));

        var withdrawn = Assert.Single(Published<OfferWithdrawn>());
        Assert.Equal((offer.CorrelationId, Buyer.Id), (withdrawn.OfferId, withdrawn.ActorId));
        Assert.Equal(Copy(offer), withdrawn.Offer);
        Assert.Equal(("withdrawn", (string?)null, (DateTime?)null), (withdrawn.Offer.Status, withdrawn.Offer.Awaiting, withdrawn.Offer.ExpiresAt));

        var message = (await Messages(offer.ConversationId)).Last();
        Assert.Equal((MessageTypes.System, Buyer.Id, "Offer withdrawn"), (message.MessageType, message.SenderId, message.Content));
        var conversation = await Conversation(offer.ConversationId);
        Assert.Equal((0, 2), (conversation.UnreadCountBuyer, conversation.UnreadCountSeller));

        AssertEntry(await LastTimelineEntry(offer.CorrelationId), "WithdrawOffer", Buyer.Id, "Pending", "Withdrawn");
    }

    [Fact]
    public async Task Should_withdraw_a_countered_offer_while_it_is_the_buyers_turn()
    {
        var offer = await CounteredOffer(60m, 90m);

        await Applied(new WithdrawOffer(offer.CorrelationId, Buyer.Id));

        AssertInState(offer, x => x.Withdrawn);
        Assert.Null(offer.ExpiresAt);
        Assert.Equal("withdrawn", Assert.Single(Published<OfferWithdrawn>()).Offer.Status);
        AssertEntry(await LastTimelineEntry(offer.CorrelationId), "WithdrawOffer", Buyer.Id, "Countered", "Withdrawn");
    }

    [Theory]
    [InlineData("Pending")]
    [InlineData("Countered")]
    public async Task Should_refuse_a_withdraw_by_the_seller(string state)
    {
        var offer = await OfferIn(state);
        var before = await Observe(offer);

        await Rejected(new WithdrawOffer(offer.CorrelationId, Seller.Id), Rejection.OnlyBuyerWithdraws);

        await AssertNothingChanged(before, offer);
        Assert.Equal(state, offer.CurrentState);
        AssertEntry(await LastTimelineEntry(offer.CorrelationId), "WithdrawOffer", Seller.Id, state, state, Rejection.OnlyBuyerWithdraws.Code);
    }
}
