using MassTransit;
using SoukLoop.Contracts;
using SoukLoop.Persistence.Model;
using SoukLoop.UnitTests.Infrastructure;
using SoukLoop.Workers.Offers;
using Xunit.Abstractions;

namespace SoukLoop.UnitTests.Offers;

/// <summary>
/// Accepting one offer sells the product; once the sale committed, <see cref="CloseSoldOffersConsumer"/> sends
/// <see cref="CloseOffer"/> to the product's other open offers.
/// </summary>
public class When_another_offer_sold_the_product(PostgresDatabase database, ITestOutputHelper output)
    : OfferSagaSpec(database, output), IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task Should_decline_a_pending_offer_as_sold_to_someone_else()
    {
        var offer = await MakeOffer(60m);
        var acceptedOffer = NewId.NextGuid();

        await Deliver(new CloseOffer(offer.CorrelationId, acceptedOffer));

        AssertInState(offer, x => x.Declined);
        Assert.Null(offer.ExpiresAt);
        Assert.Null(offer.ExpirationTokenId);
        Assert.Null(offer.TransactionId);
        var declined = Assert.Single(Published<OfferDeclined>());
        Assert.Equal((offer.CorrelationId, (Guid?)null, "product_sold"), (declined.OfferId, declined.ActorId, declined.Reason));
        Assert.Equal(Copy(offer), declined.Offer);
        Assert.Equal(("declined", (string?)null, (DateTime?)null), (declined.Offer.Status, declined.Offer.Awaiting, declined.Offer.ExpiresAt));
    }

    [Fact]
    public async Task Should_tell_the_buyer_with_a_system_message_and_record_a_system_move()
    {
        var offer = await MakeOffer(60m);

        await Deliver(new CloseOffer(offer.CorrelationId, NewId.NextGuid()));

        var message = (await Messages(offer.ConversationId)).Last();
        Assert.Equal((MessageTypes.System, OfferConversation.SystemSender, "The item was sold to another buyer"),
            (message.MessageType, message.SenderId, message.Content));
        var conversation = await Conversation(offer.ConversationId);
        Assert.Equal((1, 2), (conversation.UnreadCountBuyer, conversation.UnreadCountSeller));
        AssertEntry(await LastTimelineEntry(offer.CorrelationId), "CloseOffer", null, "Pending", "Declined");
    }

    [Fact]
    public async Task Should_decline_a_countered_offer_too()
    {
        var offer = await CounteredOffer(60m, 90m);

        await Deliver(new CloseOffer(offer.CorrelationId, NewId.NextGuid()));

        AssertInState(offer, x => x.Declined);
        Assert.Null(offer.ExpiresAt);
        Assert.Equal("product_sold", Assert.Single(Published<OfferDeclined>()).Reason);
        AssertEntry(await LastTimelineEntry(offer.CorrelationId), "CloseOffer", null, "Countered", "Declined");
    }

    [Theory]
    [InlineData("Accepted")]
    [InlineData("Declined")]
    [InlineData("Withdrawn")]
    [InlineData("Expired")]
    public async Task Should_leave_an_offer_that_is_already_closed_as_it_is(string state)
    {
        var offer = await OfferIn(state);
        var before = await Observe(offer);
        var timelineBefore = (await Timeline(offer.CorrelationId)).Count;

        await Deliver(new CloseOffer(offer.CorrelationId, NewId.NextGuid()));

        await AssertNothingChanged(before, offer);
        Assert.Equal(state, offer.CurrentState);
        // The machine ignores the close outright (Ignore), so not even the timeline notices it.
        Assert.Equal(timelineBefore, (await Timeline(offer.CorrelationId)).Count);
    }

    [Fact]
    public async Task Should_discard_a_close_for_an_offer_that_does_not_exist()
    {
        var missing = NewId.NextGuid();

        await Deliver(new CloseOffer(missing, NewId.NextGuid()));

        Assert.False(await SagaExists(missing));
        Assert.Empty(await Timeline(missing));
        Assert.Empty(PublishedOfferEvents());
    }

    [Fact]
    public async Task Should_be_closed_when_the_seller_accepts_another_offer_on_the_product()
    {
        var third = await Database.CreateUserAsync("Third buyer");
        var winner = await MakeOffer(80m);
        var open = await MakeOffer(60m, buyer: Stranger);
        var countered = await MakeOffer(65m, buyer: third);
        await Applied(new CounterOffer(countered.CorrelationId, Seller.Id, 95m, null));
        var elsewhere = await MakeOffer(50m, await Listing(70m));
        var withdrawn = await MakeOffer(55m, buyer: await Database.CreateUserAsync("Fourth buyer"));
        await Applied(new WithdrawOffer(withdrawn.CorrelationId, withdrawn.BuyerId));

        // The closing looks for the product's other open offers in the offers table (the production saga repository);
        // the harness keeps sagas in memory, so their rows are written here as the Postgres repository would.
        await MirrorToDatabase(winner, open, countered, elsewhere, withdrawn);

        await Applied(new AcceptOffer(winner.CorrelationId, Seller.Id));
        await Log.Consumes<CloseOffer>(_ => true, 2);

        var closes = Published<CloseOffer>();
        Guid[] closed = [countered.CorrelationId, open.CorrelationId];
        Assert.Equal(closed.Order(), closes.Select(c => c.OfferId).Order());
        Assert.All(closes, c => Assert.Equal(winner.CorrelationId, c.AcceptedOfferId));

        AssertInState(winner, x => x.Accepted);
        AssertInState(open, x => x.Declined);
        AssertInState(countered, x => x.Declined);
        AssertInState(elsewhere, x => x.Pending);
        AssertInState(withdrawn, x => x.Withdrawn);
        Assert.Equal(closed.Order(), Published<OfferDeclined>().Where(d => d.Reason == "product_sold").Select(d => d.OfferId).Order());
        Assert.Equal("The item was sold to another buyer", (await Messages(open.ConversationId)).Last().Content);
        Assert.Equal(1, (await Conversation(open.ConversationId)).UnreadCountBuyer);
    }

    async Task MirrorToDatabase(params OfferState[] offers)
    {
        await using var db = Database.NewDbContext();
        foreach (var o in offers)
        {
            db.Offers.Add(new OfferState
            {
                CorrelationId = o.CorrelationId,
                CurrentState = o.CurrentState,
                Version = 1,
                ProductId = o.ProductId,
                ProductTitle = o.ProductTitle,
                BuyerId = o.BuyerId,
                SellerId = o.SellerId,
                ConversationId = o.ConversationId,
                ListPrice = o.ListPrice,
                Currency = o.Currency,
                Feed = o.Feed,
                OfferedPrice = o.OfferedPrice,
                CounterPrice = o.CounterPrice,
                BuyerPrice = o.BuyerPrice,
                SellerPrice = o.SellerPrice,
                Round = o.Round,
                ExpiresAt = o.ExpiresAt,
                CreatedAt = o.CreatedAt,
                UpdatedAt = o.UpdatedAt
            });
        }
        await db.SaveChangesAsync();
    }
}
