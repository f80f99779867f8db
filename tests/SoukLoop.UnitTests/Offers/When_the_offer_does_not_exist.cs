using MassTransit;
using SoukLoop.Contracts;
using SoukLoop.UnitTests.Infrastructure;
using Xunit.Abstractions;

namespace SoukLoop.UnitTests.Offers;

/// <summary>Every command and query about an unknown offer id is answered OfferNotFound; no saga is created.</summary>
public class When_the_offer_does_not_exist(PostgresDatabase database, ITestOutputHelper output)
    : OfferSagaSpec(database, output), IClassFixture<PostgresDatabase>
{
    [Theory]
    [InlineData("AcceptOffer")]
    [InlineData("DeclineOffer")]
    [InlineData("CounterOffer")]
    [InlineData("WithdrawOffer")]
    [InlineData("ExpireOffer")]
    [InlineData("RearmOfferExpiry")]
    [InlineData("GetOffer")]
    public async Task Should_answer_not_found_and_create_nothing(string command)
    {
        var id = NewId.NextGuid();

        var notFound = command switch
        {
            "AcceptOffer" => await NotFound(new AcceptOffer(id, Seller.Id)),
            "DeclineOffer" => await NotFound(new DeclineOffer(id, Seller.Id, null)),
            "CounterOffer" => await NotFound(new CounterOffer(id, Seller.Id, 80m, null)),
            "WithdrawOffer" => await NotFound(new WithdrawOffer(id, Buyer.Id)),
            "ExpireOffer" => await NotFound(new ExpireOffer(id, Support.Id, "cleanup")),
            "RearmOfferExpiry" => await NotFound(new RearmOfferExpiry(id, Support.Id, "cleanup")),
            "GetOffer" => await NotFound(new GetOffer(id)),
            _ => throw new ArgumentOutOfRangeException(nameof(command))
        };

        Assert.Equal(id, notFound.OfferId);
        Assert.False(await SagaExists(id));
        Assert.Empty(PublishedOfferEvents());
        Assert.Empty(ScheduledTimeouts(id));
        Assert.Empty(await Timeline(id));
    }

    [Fact]
    public async Task Should_not_confuse_an_existing_offer_with_the_unknown_one()
    {
        var offer = await MakeOffer(60m);
        var before = await Observe(offer);

        await NotFound(new AcceptOffer(NewId.NextGuid(), Seller.Id));

        await AssertNothingChanged(before, offer);
    }
}
