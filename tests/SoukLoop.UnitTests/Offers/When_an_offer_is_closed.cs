using SoukLoop.Contracts;
using SoukLoop.UnitTests.Infrastructure;
using SoukLoop.Workers.Offers;
using Xunit.Abstractions;

namespace SoukLoop.UnitTests.Offers;

/// <summary>Accepted, Declined, Withdrawn and Expired are final for the parties: every move is a 409 and changes nothing.</summary>
public class When_an_offer_is_closed(PostgresDatabase database, ITestOutputHelper output)
    : OfferSagaSpec(database, output), IClassFixture<PostgresDatabase>
{
    [Theory]
    [InlineData("Accepted")]
    [InlineData("Declined")]
    [InlineData("Withdrawn")]
    [InlineData("Expired")]
    public async Task Should_answer_every_move_with_a_conflict_and_change_nothing(string state)
    {
        var offer = await OfferIn(state);
        var expected = state == "Expired" ? Rejection.OfferExpired : Rejection.OfferClosed;
        var id = offer.CorrelationId;

        (string Name, Guid Actor, Func<Task<OfferRejected>> Move)[] moves =
        [
            ("accept by the seller", Seller.Id, () => Rejected(new AcceptOffer(id, Seller.Id), expected)),
            ("accept by the buyer", Buyer.Id, () => Rejected(new AcceptOffer(id, Buyer.Id), expected)),
            ("decline by the seller", Seller.Id, () => Rejected(new DeclineOffer(id, Seller.Id, null), expected)),
            ("decline by the buyer", Buyer.Id, () => Rejected(new DeclineOffer(id, Buyer.Id, null), expected)),
            ("counter by the seller", Seller.Id, () => Rejected(new CounterOffer(id, Seller.Id, 95m, null), expected)),
            ("counter by the buyer", Buyer.Id, () => Rejected(new CounterOffer(id, Buyer.Id, 70m, null), expected)),
            ("withdraw by the buyer", Buyer.Id, () => Rejected(new WithdrawOffer(id, Buyer.Id), expected)),
            ("withdraw by the seller", Seller.Id, () => Rejected(new WithdrawOffer(id, Seller.Id), expected)),
            ("forced expiry by support", Support.Id, () => Rejected(new ExpireOffer(id, Support.Id, "cleanup"), expected)),
            ("re-armed expiry by support", Support.Id, () => Rejected(new RearmOfferExpiry(id, Support.Id, "cleanup"), expected))
        ];

        foreach (var (name, actor, move) in moves)
        {
            await Step($"{state}: {name}", async () =>
            {
                var before = await Observe(offer);

                var rejected = await move();

                Assert.Contains($"Its status is {state.ToLowerInvariant()}.", rejected.Detail);
                await AssertNothingChanged(before, offer);
                Assert.Equal(state, offer.CurrentState);
                var entry = await LastTimelineEntry(id);
                Assert.Equal((actor, state, state, expected.Code), (entry.ActorId, entry.StateBefore, entry.StateAfter, entry.Detail));
            });
        }
    }

    [Fact]
    public async Task Should_keep_the_sale_of_an_accepted_offer_untouched()
    {
        var offer = await AcceptedOffer();
        var transactionId = offer.TransactionId;

        await Rejected(new DeclineOffer(offer.CorrelationId, Seller.Id, null), Rejection.OfferClosed);
        await Rejected(new WithdrawOffer(offer.CorrelationId, Buyer.Id), Rejection.OfferClosed);

        Assert.Equal(transactionId, offer.TransactionId);
        var transaction = Assert.Single(await Transactions(Product.Id));
        Assert.Equal(transactionId, transaction.Id);
        Assert.Single(Published<OfferAccepted>());
        Assert.Empty(Published<OfferDeclined>());
        Assert.Empty(Published<OfferWithdrawn>());
    }
}
