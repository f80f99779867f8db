using SoukLoop.Contracts;
using SoukLoop.UnitTests.Infrastructure;
using Xunit.Abstractions;

namespace SoukLoop.UnitTests.Offers;

/// <summary>GetOffer answers the current snapshot in every state and changes nothing.</summary>
public class When_querying_status(PostgresDatabase database, ITestOutputHelper output)
    : OfferSagaSpec(database, output), IClassFixture<PostgresDatabase>
{
    [Theory]
    [InlineData("Pending", "pending", "seller")]
    [InlineData("Countered", "countered", "buyer")]
    [InlineData("Accepted", "accepted", null)]
    [InlineData("Declined", "declined", null)]
    [InlineData("Withdrawn", "withdrawn", null)]
    [InlineData("Expired", "expired", null)]
    public async Task Should_answer_the_current_snapshot(string state, string status, string? awaiting)
    {
        var offer = await OfferIn(state);
        var before = await Observe(offer);

        var answer = await Applied(new GetOffer(offer.CorrelationId));

        Assert.Equal(offer.CorrelationId, answer.OfferId);
        Assert.Equal(Copy(offer), answer.Offer);
        Assert.Equal((status, awaiting), (answer.Offer.Status, answer.Offer.Awaiting));
        Assert.Equal((Product.Id, Buyer.Id, Seller.Id, 100m, "EUR"), (answer.Offer.ProductId, answer.Offer.BuyerId, answer.Offer.SellerId,
            answer.Offer.ListPrice, answer.Offer.Currency));
        // Open offers expire at a time; answered ones have none; an offer that timed out keeps the expiry it reached.
        Assert.Equal(state is "Pending" or "Countered" or "Expired", answer.Offer.ExpiresAt.HasValue);
        Assert.Equal(state == "Accepted", answer.Offer.TransactionId.HasValue);
        await AssertNothingChanged(before, offer);
    }

    [Fact]
    public async Task Should_show_the_negotiated_prices_and_round()
    {
        var offer = await CounteredOffer(60m, 90m);
        await Applied(new CounterOffer(offer.CorrelationId, Buyer.Id, 75m, null));

        var answer = await Applied(new GetOffer(offer.CorrelationId));

        Assert.Equal((60m, (decimal?)75m, 3, "pending", "seller"), (answer.Offer.OfferedPrice, answer.Offer.CounterPrice, answer.Offer.Round,
            answer.Offer.Status, answer.Offer.Awaiting));
    }

    [Fact]
    public async Task Should_leave_no_line_in_the_timeline()
    {
        var offer = await CounteredOffer(60m, 90m);
        var before = (await Timeline(offer.CorrelationId)).Count;

        await Applied(new GetOffer(offer.CorrelationId));

        Assert.Equal(before, (await Timeline(offer.CorrelationId)).Count);
    }
}
