using SoukLoop.Contracts;
using SoukLoop.Persistence.Model;
using SoukLoop.UnitTests.Infrastructure;
using SoukLoop.Workers.Offers;
using Xunit.Abstractions;

namespace SoukLoop.UnitTests.Offers;

/// <summary>The seller countered 60.00 with 90.00; the buyer takes it.</summary>
public class When_the_buyer_accepts_a_counter(PostgresDatabase database, ITestOutputHelper output)
    : OfferSagaSpec(database, output), IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task Should_accept_at_the_sellers_counter_price()
    {
        var offer = await CounteredOffer(60m, 90m);

        var status = await Applied(new AcceptOffer(offer.CorrelationId, Buyer.Id));

        AssertInState(offer, x => x.Accepted);
        Assert.Null(offer.ExpiresAt);
        Assert.Null(offer.ExpirationTokenId);
        Assert.Equal(Copy(offer), status.Offer);
        var transaction = Assert.Single(await Transactions(Product.Id));
        Assert.Equal((offer.TransactionId, 90m, 4.50m, 85.50m), ((Guid?)transaction.Id, transaction.Amount, transaction.PlatformFee, transaction.SellerPayout));
        Assert.Equal(ProductStatuses.Sold, (await ProductRow(Product.Id)).Status);
    }

    [Fact]
    public async Task Should_take_the_discover_fee_on_the_counter_price()
    {
        var product = await Listing(100m, Feeds.Discover);
        var offer = await CounteredOffer(60m, 83.33m, product);

        await Applied(new AcceptOffer(offer.CorrelationId, Buyer.Id));

        var transaction = Assert.Single(await Transactions(product.Id));
        Assert.Equal((83.33m, 12.50m, 70.83m), (transaction.Amount, transaction.PlatformFee, transaction.SellerPayout));
    }

    [Fact]
    public async Task Should_publish_OfferAccepted_by_the_buyer()
    {
        var offer = await CounteredOffer(60m, 90m);

        await Applied(new AcceptOffer(offer.CorrelationId, Buyer.Id));

        var accepted = Assert.Single(Published<OfferAccepted>());
        Assert.Equal(Buyer.Id, accepted.ActorId);
        Assert.Equal(Copy(offer), accepted.Offer);
        Assert.Equal(("accepted", (string?)null, (decimal?)90m, 2, (DateTime?)null), (accepted.Offer.Status, accepted.Offer.Awaiting,
            accepted.Offer.CounterPrice, accepted.Offer.Round, accepted.Offer.ExpiresAt));
        Assert.Equal((90m, 4.50m, 85.50m), (accepted.Transaction.Amount, accepted.Transaction.PlatformFee, accepted.Transaction.SellerPayout));
    }

    [Fact]
    public async Task Should_post_a_system_message_unread_by_the_seller_and_record_the_accept()
    {
        var offer = await CounteredOffer(60m, 90m);

        await Applied(new AcceptOffer(offer.CorrelationId, Buyer.Id));

        var message = (await Messages(offer.ConversationId)).Last();
        Assert.Equal((MessageTypes.System, Buyer.Id, "Counter offer accepted at 90.00 EUR"), (message.MessageType, message.SenderId, message.Content));
        var conversation = await Conversation(offer.ConversationId);
        Assert.Equal((1, 2), (conversation.UnreadCountBuyer, conversation.UnreadCountSeller));
        AssertEntry(await LastTimelineEntry(offer.CorrelationId), "AcceptOffer", Buyer.Id, "Countered", "Accepted");
    }

    [Fact]
    public async Task Should_refuse_an_accept_by_the_seller_while_the_buyer_is_awaited()
    {
        var offer = await CounteredOffer(60m, 90m);
        var before = await Observe(offer);

        await Rejected(new AcceptOffer(offer.CorrelationId, Seller.Id), Rejection.NotYourTurn);

        await AssertNothingChanged(before, offer);
        AssertEntry(await LastTimelineEntry(offer.CorrelationId), "AcceptOffer", Seller.Id, "Countered", "Countered", Rejection.NotYourTurn.Code);
    }

    [Fact]
    public async Task Should_refuse_when_the_product_was_sold_meanwhile_and_change_nothing()
    {
        var offer = await CounteredOffer(60m, 90m);
        await MarkSold(Product.Id);
        var before = await Observe(offer);

        await Rejected(new AcceptOffer(offer.CorrelationId, Buyer.Id), Rejection.ProductNotAvailable);

        await AssertNothingChanged(before, offer);
        AssertInState(offer, x => x.Countered);
        Assert.Empty(await Transactions(Product.Id));
        AssertEntry(await LastTimelineEntry(offer.CorrelationId), "AcceptOffer", Buyer.Id, "Countered", "Countered",
            Rejection.ProductNotAvailable.Code);
    }
}
