using SoukLoop.Contracts;
using SoukLoop.Persistence.Model;
using SoukLoop.UnitTests.Infrastructure;
using SoukLoop.Workers.Offers;
using Xunit.Abstractions;

namespace SoukLoop.UnitTests.Offers;

public class When_the_seller_accepts(PostgresDatabase database, ITestOutputHelper output)
    : OfferSagaSpec(database, output), IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task Should_close_the_offer_as_accepted_without_an_expiry()
    {
        var offer = await MakeOffer(60m);
        var updatedBefore = offer.UpdatedAt;

        var status = await Applied(new AcceptOffer(offer.CorrelationId, Seller.Id));

        AssertInState(offer, x => x.Accepted);
        Assert.Null(offer.ExpiresAt);
        Assert.Null(offer.ExpirationTokenId);
        Assert.NotNull(offer.TransactionId);
        Assert.True(offer.UpdatedAt > updatedBefore);
        Assert.Equal(Copy(offer), status.Offer);
        Assert.Equal(("accepted", (string?)null, (DateTime?)null), (status.Offer.Status, status.Offer.Awaiting, status.Offer.ExpiresAt));
    }

    [Fact]
    public async Task Should_sell_the_product_and_create_the_transaction_at_the_buyers_price()
    {
        var offer = await MakeOffer(60m);

        await Applied(new AcceptOffer(offer.CorrelationId, Seller.Id));

        Assert.Equal(ProductStatuses.Sold, (await ProductRow(Product.Id)).Status);
        var transaction = Assert.Single(await Transactions(Product.Id));
        Assert.Equal((offer.TransactionId, offer.CorrelationId, Buyer.Id, Seller.Id), ((Guid?)transaction.Id, transaction.OfferId, transaction.BuyerId,
            transaction.SellerId));
        Assert.Equal((60m, 3.00m, 57.00m, "EUR", TransactionStatuses.Pending), (transaction.Amount, transaction.PlatformFee, transaction.SellerPayout,
            transaction.Currency, transaction.Status));
    }

    [Theory]
    [InlineData(Feeds.Community, "100", "60", "3.00", "57.00")]
    [InlineData(Feeds.Discover, "100", "60", "9.00", "51.00")]
    [InlineData(Feeds.Community, "1", "0.10", "0.01", "0.09")]
    [InlineData(Feeds.Discover, "50", "33.33", "5.00", "28.33")]
    [InlineData(Feeds.Community, "20", "10.10", "0.51", "9.59")]
    public async Task Should_take_the_feeds_platform_fee_rounded_half_up_to_the_cent(string feed, string list, string price, string fee, string payout)
    {
        var product = await Listing(decimal.Parse(list), feed);
        var offer = await MakeOffer(decimal.Parse(price), product);

        await Applied(new AcceptOffer(offer.CorrelationId, Seller.Id));

        var transaction = Assert.Single(await Transactions(product.Id));
        Assert.Equal((decimal.Parse(price), decimal.Parse(fee), decimal.Parse(payout)), (transaction.Amount, transaction.PlatformFee,
            transaction.SellerPayout));
        var accepted = Assert.Single(Published<OfferAccepted>());
        Assert.Equal((decimal.Parse(price), decimal.Parse(fee), decimal.Parse(payout)), (accepted.Transaction.Amount, accepted.Transaction.PlatformFee,
            accepted.Transaction.SellerPayout));
    }

    [Fact]
    public async Task Should_publish_OfferAccepted_with_the_snapshot_and_the_transaction()
    {
        var offer = await MakeOffer(60m);

        await Applied(new AcceptOffer(offer.CorrelationId, Seller.Id));

        var accepted = Assert.Single(Published<OfferAccepted>());
        Assert.Equal((offer.CorrelationId, Seller.Id), (accepted.OfferId, accepted.ActorId));
        Assert.Equal(Copy(offer), accepted.Offer);
        Assert.Equal(("accepted", (string?)null, (DateTime?)null, 1), (accepted.Offer.Status, accepted.Offer.Awaiting, accepted.Offer.ExpiresAt,
            accepted.Offer.Round));
        Assert.Equal(offer.TransactionId, accepted.Offer.TransactionId);
        Assert.Equal((offer.TransactionId!.Value, offer.CorrelationId, Product.Id, 60m, 3.00m, 57.00m, "EUR", TransactionStatuses.Pending),
            (accepted.Transaction.TransactionId, accepted.Transaction.OfferId, accepted.Transaction.ProductId, accepted.Transaction.Amount,
                accepted.Transaction.PlatformFee, accepted.Transaction.SellerPayout, accepted.Transaction.Currency, accepted.Transaction.Status));
    }

    [Fact]
    public async Task Should_post_a_system_message_unread_by_the_buyer()
    {
        var offer = await MakeOffer(60m);

        await Applied(new AcceptOffer(offer.CorrelationId, Seller.Id));

        var message = (await Messages(offer.ConversationId)).Last();
        Assert.Equal((MessageTypes.System, Seller.Id, "Offer accepted at 60.00 EUR"), (message.MessageType, message.SenderId, message.Content));
        var conversation = await Conversation(offer.ConversationId);
        Assert.Equal((1, 1), (conversation.UnreadCountBuyer, conversation.UnreadCountSeller));
    }

    [Fact]
    public async Task Should_record_the_accept_in_the_timeline()
    {
        var offer = await MakeOffer(60m);

        await Applied(new AcceptOffer(offer.CorrelationId, Seller.Id));

        AssertEntry(await LastTimelineEntry(offer.CorrelationId), "AcceptOffer", Seller.Id, "Pending", "Accepted");
    }

    [Fact]
    public async Task Should_accept_the_buyers_counter_price_after_a_negotiation()
    {
        var offer = await CounteredOffer(60m, 90m);
        await Applied(new CounterOffer(offer.CorrelationId, Buyer.Id, 75m, null));

        await Applied(new AcceptOffer(offer.CorrelationId, Seller.Id));

        AssertInState(offer, x => x.Accepted);
        var transaction = Assert.Single(await Transactions(Product.Id));
        Assert.Equal((75m, 3.75m, 71.25m), (transaction.Amount, transaction.PlatformFee, transaction.SellerPayout));
        Assert.Equal("Offer accepted at 75.00 EUR", (await Messages(offer.ConversationId)).Last().Content);
    }

    [Fact]
    public async Task Should_refuse_an_accept_by_the_buyer_while_the_seller_is_awaited()
    {
        var offer = await MakeOffer(60m);
        var before = await Observe(offer);

        await Rejected(new AcceptOffer(offer.CorrelationId, Buyer.Id), Rejection.NotYourTurn);

        await AssertNothingChanged(before, offer);
        Assert.Equal(ProductStatuses.Available, (await ProductRow(Product.Id)).Status);
        AssertEntry(await LastTimelineEntry(offer.CorrelationId), "AcceptOffer", Buyer.Id, "Pending", "Pending", Rejection.NotYourTurn.Code);
    }

    [Fact]
    public async Task Should_refuse_when_another_accepted_offer_already_sold_the_product_and_change_nothing()
    {
        var first = await MakeOffer(60m);
        var second = await MakeOffer(70m, buyer: Stranger);
        await Applied(new AcceptOffer(first.CorrelationId, Seller.Id));
        var before = await Observe(second);

        await Rejected(new AcceptOffer(second.CorrelationId, Seller.Id), Rejection.ProductNotAvailable);

        await AssertNothingChanged(before, second);
        AssertInState(second, x => x.Pending);
        Assert.Null(second.TransactionId);
        var transaction = Assert.Single(await Transactions(Product.Id));
        Assert.Equal(first.CorrelationId, transaction.OfferId);
        Assert.DoesNotContain(Published<OfferAccepted>(), a => a.OfferId == second.CorrelationId);
        AssertEntry(await LastTimelineEntry(second.CorrelationId), "AcceptOffer", Seller.Id, "Pending", "Pending", Rejection.ProductNotAvailable.Code);
    }

    [Fact]
    public async Task Should_refuse_when_the_product_was_sold_meanwhile()
    {
        var offer = await MakeOffer(60m);
        await MarkSold(Product.Id);
        var before = await Observe(offer);

        await Rejected(new AcceptOffer(offer.CorrelationId, Seller.Id), Rejection.ProductNotAvailable);

        await AssertNothingChanged(before, offer);
        Assert.Empty(await Transactions(Product.Id));
    }
}
