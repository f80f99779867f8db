using System.Text.Json;
using SoukLoop.Contracts;
using SoukLoop.Persistence.Model;
using SoukLoop.UnitTests.Infrastructure;
using SoukLoop.Workers.Offers;
using Xunit.Abstractions;

namespace SoukLoop.UnitTests.Offers;

/// <summary>The seller countered 60.00 with 90.00; the buyer answers with a counter of their own.</summary>
public class When_the_buyer_counters(PostgresDatabase database, ITestOutputHelper output)
    : OfferSagaSpec(database, output), IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task Should_hand_the_turn_back_to_the_seller()
    {
        var offer = await CounteredOffer(60m, 90m);
        var updatedBefore = offer.UpdatedAt;

        var status = await Applied(new CounterOffer(offer.CorrelationId, Buyer.Id, 75m, null));

        AssertInState(offer, x => x.Pending);
        Assert.Equal((60m, 75m, 90m, (decimal?)75m, 3), (offer.OfferedPrice, offer.BuyerPrice, offer.SellerPrice, offer.CounterPrice, offer.Round));
        Assert.True(offer.UpdatedAt > updatedBefore);
        Assert.Equal(Copy(offer), status.Offer);
        Assert.Equal(("pending", "seller"), (status.Offer.Status, status.Offer.Awaiting));
    }

    [Fact]
    public async Task Should_publish_OfferCountered_with_the_pending_snapshot()
    {
        var offer = await CounteredOffer(60m, 90m);

        await Applied(new CounterOffer(offer.CorrelationId, Buyer.Id, 75m, null));

        var countered = Assert.Single(Published<OfferCountered>(), c => c.ActorId == Buyer.Id);
        Assert.Equal((75m, (string?)null), (countered.CounterPrice, countered.Message));
        Assert.Equal(Copy(offer), countered.Offer);
        Assert.Equal(("pending", "seller", (decimal?)75m, 3), (countered.Offer.Status, countered.Offer.Awaiting, countered.Offer.CounterPrice,
            countered.Offer.Round));
        Assert.NotNull(countered.Offer.ExpiresAt);
    }

    [Fact]
    public async Task Should_post_an_offer_message_unread_by_the_seller()
    {
        var offer = await CounteredOffer(60m, 90m);

        await Applied(new CounterOffer(offer.CorrelationId, Buyer.Id, 75m, "Last offer: 75"));

        var message = (await Messages(offer.ConversationId)).Last();
        Assert.Equal((MessageTypes.Offer, Buyer.Id, "Last offer: 75"), (message.MessageType, message.SenderId, message.Content));
        using var data = JsonDocument.Parse(message.OfferData!);
        Assert.Equal(("countered", "pending", "seller"), (data.RootElement.GetProperty("action").GetString(),
            data.RootElement.GetProperty("status").GetString(), data.RootElement.GetProperty("awaiting").GetString()));
        Assert.Equal(75m, data.RootElement.GetProperty("price").GetDecimal());

        // The make and this counter are unread by the seller; the seller's counter is unread by the buyer.
        var conversation = await Conversation(offer.ConversationId);
        Assert.Equal((1, 2), (conversation.UnreadCountBuyer, conversation.UnreadCountSeller));
    }

    [Fact]
    public async Task Should_re_arm_the_expiry_and_record_the_counter()
    {
        var offer = await CounteredOffer(60m, 90m);
        var tokenBefore = offer.ExpirationTokenId;

        await Applied(new CounterOffer(offer.CorrelationId, Buyer.Id, 75m, null));

        Assert.NotEqual(tokenBefore, offer.ExpirationTokenId);
        AssertRecent(offer.ExpiresAt, ExpiresAfter);
        Assert.Equal(3, ScheduledTimeouts(offer.CorrelationId).Count);
        AssertEntry(await LastTimelineEntry(offer.CorrelationId), "CounterOffer", Buyer.Id, "Countered", "Pending", price: 75m);
    }

    [Theory]
    [InlineData("60")]
    [InlineData("55")]
    [InlineData("90")]
    [InlineData("95")]
    public async Task Should_reject_a_counter_outside_the_buyers_last_price_and_the_sellers_counter(string price)
    {
        var offer = await CounteredOffer(60m, 90m);
        var before = await Observe(offer);

        await Rejected(new CounterOffer(offer.CorrelationId, Buyer.Id, decimal.Parse(price), null), Rejection.CounterOutOfRange);

        await AssertNothingChanged(before, offer);
        AssertEntry(await LastTimelineEntry(offer.CorrelationId), "CounterOffer", Buyer.Id, "Countered", "Countered",
            Rejection.CounterOutOfRange.Code, decimal.Parse(price));
    }

    [Theory]
    [InlineData("60.01")]
    [InlineData("89.99")]
    public async Task Should_take_a_counter_just_inside_the_range(string price)
    {
        var offer = await CounteredOffer(60m, 90m);

        await Applied(new CounterOffer(offer.CorrelationId, Buyer.Id, decimal.Parse(price), null));

        AssertInState(offer, x => x.Pending);
        Assert.Equal(decimal.Parse(price), offer.BuyerPrice);
    }

    [Fact]
    public async Task Should_refuse_a_counter_by_the_seller_while_the_buyer_is_awaited()
    {
        var offer = await CounteredOffer(60m, 90m);
        var before = await Observe(offer);

        await Rejected(new CounterOffer(offer.CorrelationId, Seller.Id, 80m, null), Rejection.NotYourTurn);

        await AssertNothingChanged(before, offer);
        AssertEntry(await LastTimelineEntry(offer.CorrelationId), "CounterOffer", Seller.Id, "Countered", "Countered", Rejection.NotYourTurn.Code, 80m);
    }
}
