using System.Text.Json;
using SoukLoop.Contracts;
using SoukLoop.Persistence.Model;
using SoukLoop.UnitTests.Infrastructure;
using SoukLoop.Workers.Offers;
using Xunit.Abstractions;

namespace SoukLoop.UnitTests.Offers;

public class When_the_seller_counters(PostgresDatabase database, ITestOutputHelper output)
    : OfferSagaSpec(database, output), IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task Should_hand_the_turn_to_the_buyer_at_the_counter_price()
    {
        var offer = await MakeOffer(60m);
        var before = Copy(offer);
        var tokenBefore = offer.ExpirationTokenId;

        var status = await Applied(new CounterOffer(offer.CorrelationId, Seller.Id, 90m, null));

        AssertInState(offer, x => x.Countered);
        Assert.Equal((60m, 60m, 90m, (decimal?)90m, 2), (offer.OfferedPrice, offer.BuyerPrice, offer.SellerPrice, offer.CounterPrice, offer.Round));
        Assert.True(offer.UpdatedAt > before.UpdatedAt);
        Assert.Equal(before.CreatedAt, offer.CreatedAt);
        Assert.Equal(Copy(offer), status.Offer);
        Assert.Equal(("countered", "buyer"), (status.Offer.Status, status.Offer.Awaiting));
        Assert.NotEqual(tokenBefore, offer.ExpirationTokenId);
    }

    [Fact]
    public async Task Should_publish_OfferCountered_with_the_countered_snapshot()
    {
        var offer = await MakeOffer(60m);

        await Applied(new CounterOffer(offer.CorrelationId, Seller.Id, 90m, "Meet me at 90"));

        var countered = Assert.Single(Published<OfferCountered>());
        Assert.Equal((offer.CorrelationId, Seller.Id, 90m, "Meet me at 90"), (countered.OfferId, countered.ActorId, countered.CounterPrice, countered.Message));
        Assert.Equal(Copy(offer), countered.Offer);
        Assert.Equal(("countered", "buyer", 60m, (decimal?)90m, 2), (countered.Offer.Status, countered.Offer.Awaiting,
            countered.Offer.OfferedPrice, countered.Offer.CounterPrice, countered.Offer.Round));
        Assert.NotNull(countered.Offer.ExpiresAt);
    }

    [Fact]
    public async Task Should_post_an_offer_message_unread_by_the_buyer()
    {
        var offer = await MakeOffer(60m);

        await Applied(new CounterOffer(offer.CorrelationId, Seller.Id, 90m, null));

        var messages = await Messages(offer.ConversationId);
        Assert.Equal(2, messages.Count);
        var counter = messages[1];
        Assert.Equal((MessageTypes.Offer, Seller.Id, "Countered at 90.00 EUR"), (counter.MessageType, counter.SenderId, counter.Content));
        using var data = JsonDocument.Parse(counter.OfferData!);
        Assert.Equal("countered", data.RootElement.GetProperty("action").GetString());
        Assert.Equal(90m, data.RootElement.GetProperty("price").GetDecimal());
        Assert.Equal("countered", data.RootElement.GetProperty("status").GetString());
        Assert.Equal("buyer", data.RootElement.GetProperty("awaiting").GetString());

        var conversation = await Conversation(offer.ConversationId);
        Assert.Equal((1, 1), (conversation.UnreadCountBuyer, conversation.UnreadCountSeller));
    }

    [Fact]
    public async Task Should_re_arm_the_expiry_from_the_counter()
    {
        var offer = await MakeOffer(60m);
        var firstExpiry = offer.ExpiresAt;
        await Task.Delay(20);

        await Applied(new CounterOffer(offer.CorrelationId, Seller.Id, 90m, null));

        Assert.True(offer.ExpiresAt > firstExpiry);
        AssertRecent(offer.ExpiresAt, ExpiresAfter);
        Assert.Equal(2, ScheduledTimeouts(offer.CorrelationId).Count);
    }

    [Fact]
    public async Task Should_record_the_counter_in_the_timeline()
    {
        var offer = await MakeOffer(60m);

        await Applied(new CounterOffer(offer.CorrelationId, Seller.Id, 90m, null));

        AssertEntry(await LastTimelineEntry(offer.CorrelationId), "CounterOffer", Seller.Id, "Pending", "Countered", price: 90m);
    }

    [Theory]
    [InlineData("60.01")]
    [InlineData("99.99")]
    public async Task Should_take_a_counter_strictly_between_the_buyers_price_and_the_list_price(string price)
    {
        var offer = await MakeOffer(60m);

        await Applied(new CounterOffer(offer.CorrelationId, Seller.Id, decimal.Parse(price), null));

        AssertInState(offer, x => x.Countered);
        Assert.Equal(decimal.Parse(price), offer.SellerPrice);
    }

    [Theory]
    [InlineData("60")]
    [InlineData("59.99")]
    [InlineData("10")]
    [InlineData("100")]
    [InlineData("120")]
    public async Task Should_reject_a_counter_outside_the_buyers_price_and_the_list_price(string price)
    {
        var offer = await MakeOffer(60m);
        var before = await Observe(offer);

        await Rejected(new CounterOffer(offer.CorrelationId, Seller.Id, decimal.Parse(price), null), Rejection.CounterOutOfRange);

        await AssertNothingChanged(before, offer);
        AssertEntry(await LastTimelineEntry(offer.CorrelationId), "CounterOffer", Seller.Id, "Pending", "Pending",
            Rejection.CounterOutOfRange.Code, decimal.Parse(price));
    }

    [Fact]
    public async Task Should_refuse_a_counter_by_the_buyer_while_the_seller_is_awaited()
    {
        var offer = await MakeOffer(60m);
        var before = await Observe(offer);

        await Rejected(new CounterOffer(offer.CorrelationId, Buyer.Id, 70m, null), Rejection.NotYourTurn);

        await AssertNothingChanged(before, offer);
        AssertEntry(await LastTimelineEntry(offer.CorrelationId), "CounterOffer", Buyer.Id, "Pending", "Pending", Rejection.NotYourTurn.Code, 70m);
    }

    [Fact]
    public async Task Should_counter_again_strictly_between_the_buyers_last_counter_and_the_sellers_last_counter()
    {
        var offer = await CounteredOffer(60m, 90m);
        await Applied(new CounterOffer(offer.CorrelationId, Buyer.Id, 75m, null));
        var before = await Observe(offer);

        await Rejected(new CounterOffer(offer.CorrelationId, Seller.Id, 90m, null), Rejection.CounterOutOfRange);
        await Rejected(new CounterOffer(offer.CorrelationId, Seller.Id, 75m, null), Rejection.CounterOutOfRange);
        await AssertNothingChanged(before, offer);

        await Applied(new CounterOffer(offer.CorrelationId, Seller.Id, 85m, null));

        AssertInState(offer, x => x.Countered);
        Assert.Equal((75m, 85m, (decimal?)85m, 4), (offer.BuyerPrice, offer.SellerPrice, offer.CounterPrice, offer.Round));
        Assert.Equal(60m, offer.OfferedPrice);
    }
}
