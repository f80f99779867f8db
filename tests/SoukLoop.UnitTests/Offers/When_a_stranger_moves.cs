using SoukLoop.Contracts;
using SoukLoop.UnitTests.Infrastructure;
using SoukLoop.Workers.Offers;
using Xunit.Abstractions;

namespace SoukLoop.UnitTests.Offers;

/// <summary>Only the buyer and the seller may touch an offer; anyone else is told it does not exist (404, never 403).</summary>
public class When_a_stranger_moves(PostgresDatabase database, ITestOutputHelper output)
    : OfferSagaSpec(database, output), IClassFixture<PostgresDatabase>
{
    [Theory]
    [InlineData("Pending")]
    [InlineData("Countered")]
    [InlineData("Accepted")]
    [InlineData("Declined")]
    [InlineData("Withdrawn")]
    [InlineData("Expired")]
    public async Task Should_be_told_the_offer_does_not_exist_and_change_nothing(string state)
    {
        var offer = await OfferIn(state);
        var id = offer.CorrelationId;
        var stranger = Stranger.Id;

        (string Name, Func<Task<OfferRejected>> Move)[] moves =
        [
            ("accept", () => Rejected(new AcceptOffer(id, stranger), Rejection.NotAParty)),
            ("decline", () => Rejected(new DeclineOffer(id, stranger, null), Rejection.NotAParty)),
            ("counter", () => Rejected(new CounterOffer(id, stranger, 80m, null), Rejection.NotAParty)),
            ("withdraw", () => Rejected(new WithdrawOffer(id, stranger), Rejection.NotAParty))
        ];

        foreach (var (name, move) in moves)
        {
            await Step($"{state}: {name}", async () =>
            {
                var before = await Observe(offer);

                var rejected = await move();

                Assert.Equal((404, "offer_not_found"), (rejected.HttpStatus, rejected.Code));
                await AssertNothingChanged(before, offer);
                Assert.Equal(state, offer.CurrentState);
                var entry = await LastTimelineEntry(id);
                Assert.Equal(((Guid?)stranger, state, state, "offer_not_found"), (entry.ActorId, entry.StateBefore, entry.StateAfter, entry.Detail));
            });
        }
    }
}
