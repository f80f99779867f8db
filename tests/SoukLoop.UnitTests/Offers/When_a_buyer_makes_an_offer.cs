using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using SoukLoop.Contracts;
using SoukLoop.Persistence.Model;
using SoukLoop.UnitTests.Infrastructure;
using SoukLoop.Workers.Offers;
using Xunit.Abstractions;

namespace SoukLoop.UnitTests.Offers;

public class When_a_buyer_makes_an_offer(PostgresDatabase database, ITestOutputHelper output)
    : OfferSagaSpec(database, output), IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task Should_open_a_pending_offer_awaiting_the_seller()
    {
        var id = NewId.NextGuid();
        await Applied(new MakeOffer(id, Product.Id, Buyer.Id, 60m, null));

        Assert.Equal(id, await SagaHarness.Exists(id, x => x.Pending));
        var offer = await Saga(id);
        Assert.Equal((Product.Id, Product.Title, Seller.Id, Buyer.Id), (offer.ProductId, offer.ProductTitle, offer.SellerId, offer.BuyerId));
        Assert.Equal((100m, "EUR", Feeds.Community), (offer.ListPrice, offer.Currency, offer.Feed));
        Assert.Equal((60m, 60m, 100m, (decimal?)null, 1), (offer.OfferedPrice, offer.BuyerPrice, offer.SellerPrice, offer.CounterPrice, offer.Round));
        AssertRecent(offer.ExpiresAt, ExpiresAfter);
        Assert.NotNull(offer.ExpirationTokenId);
        AssertRecent(offer.CreatedAt);
        Assert.Equal(offer.CreatedAt, offer.UpdatedAt);
        Assert.Null(offer.TransactionId);
    }

    [Fact]
    public async Task Should_publish_OfferMade_with_the_pending_snapshot()
    {
        var offer = await MakeOffer(60m, message: "Would you take 60?");

        Assert.True(await Harness.Published.Any<OfferMade>(x => x.Context.Message.OfferId == offer.CorrelationId));
        var made = Assert.Single(Published<OfferMade>());
        Assert.Equal((Buyer.Id, "Would you take 60?"), (made.ActorId, made.Message));
        Assert.Equal(Copy(offer), made.Offer);
        Assert.Equal(("pending", "seller"), (made.Offer.Status, made.Offer.Awaiting));
        Assert.Equal((60m, (decimal?)null, 100m, 1), (made.Offer.OfferedPrice, made.Offer.CounterPrice, made.Offer.ListPrice, made.Offer.Round));
        Assert.NotNull(made.Offer.ExpiresAt);
        Assert.NotEqual(Guid.Empty, made.Offer.ConversationId);
        Assert.Single(PublishedOfferEvents());
    }

    [Fact]
    public async Task Should_answer_with_the_offer_status()
    {
        var id = NewId.NextGuid();
        var status = await Applied(new MakeOffer(id, Product.Id, Buyer.Id, 60m, null));

        Assert.Equal(id, status.OfferId);
        Assert.Equal(Copy(await Saga(id)), status.Offer);
    }

    [Fact]
    public async Task Should_open_the_conversation_with_an_offer_message_unread_by_the_seller()
    {
        var offer = await MakeOffer(60m);

        var conversation = await Conversation(offer.ConversationId);
        Assert.Equal((Buyer.Id, Seller.Id, (Guid?)Product.Id), (conversation.BuyerId, conversation.SellerId, conversation.ProductId));
        Assert.Equal((0, 1), (conversation.UnreadCountBuyer, conversation.UnreadCountSeller));

        var message = Assert.Single(await Messages(offer.ConversationId));
        Assert.Equal((MessageTypes.Offer, Buyer.Id, "Offered 60.00 EUR"), (message.MessageType, message.SenderId, message.Content));
        using var data = JsonDocument.Parse(message.OfferData!);
        Assert.Equal(offer.CorrelationId, data.RootElement.GetProperty("offer_id").GetGuid());
        Assert.Equal("made", data.RootElement.GetProperty("action").GetString());
        Assert.Equal(60m, data.RootElement.GetProperty("price").GetDecimal());
        Assert.Equal("pending", data.RootElement.GetProperty("status").GetString());
        Assert.Equal("seller", data.RootElement.GetProperty("awaiting").GetString());
        Assert.Equal("EUR", data.RootElement.GetProperty("currency").GetString());
    }

    [Fact]
    public async Task Should_post_the_buyers_own_words_as_the_offer_message()
    {
        var offer = await MakeOffer(75m, message: "Cash today?");

        var message = Assert.Single(await Messages(offer.ConversationId));
        Assert.Equal((MessageTypes.Offer, "Cash today?"), (message.MessageType, message.Content));
    }

    [Fact]
    public async Task Should_reuse_the_conversation_and_bring_it_back_to_the_sellers_inbox()
    {
        var first = await MakeOffer(60m);
        await Applied(new WithdrawOffer(first.CorrelationId, Buyer.Id));
        await using (var db = Database.NewDbContext())
            await db.Conversations.Where(c => c.Id == first.ConversationId)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.IsArchivedSeller, true).SetProperty(c => c.UnreadCountSeller, 0));

        var second = await MakeOffer(70m);

        Assert.Equal(first.ConversationId, second.ConversationId);
        var conversation = await Conversation(second.ConversationId);
        Assert.False(conversation.IsArchivedSeller);
        Assert.Equal(1, conversation.UnreadCountSeller);
        await using var check = Database.NewDbContext();
        Assert.Equal(1, await check.Conversations.CountAsync(c => c.BuyerId == Buyer.Id && c.ProductId == Product.Id));
    }

    [Fact]
    public async Task Should_schedule_the_expiry_after_the_configured_time()
    {
        var offer = await MakeOffer(60m);

        var timeout = Assert.Single(ScheduledTimeouts(offer.CorrelationId));
        Assert.NotNull(timeout.Delay);
        Assert.InRange(timeout.Delay.Value, ExpiresAfter - TimeSpan.FromSeconds(30), ExpiresAfter);
    }

    [Fact]
    public async Task Should_record_the_move_in_the_timeline()
    {
        var offer = await MakeOffer(60m);

        var entry = Assert.Single(await Timeline(offer.CorrelationId));
        Assert.Equal(("MakeOffer", (Guid?)Buyer.Id, "Initial", "Pending"), (entry.Action, entry.ActorId, entry.StateBefore, entry.StateAfter));
        Assert.Equal(60m, entry.Price);
        Assert.Null(entry.Detail);
        Assert.NotNull(entry.MessageId);
    }

    [Theory]
    [InlineData("0.01")]
    [InlineData("99.99")]
    public async Task Should_take_any_price_strictly_between_zero_and_the_list_price(string price)
    {
        var offer = await MakeOffer(decimal.Parse(price));

        AssertInState(offer, x => x.Pending);
        Assert.Equal(decimal.Parse(price), offer.OfferedPrice);
    }

    [Fact]
    public async Task Should_reject_an_offer_on_a_product_that_does_not_exist()
    {
        var command = new MakeOffer(NewId.NextGuid(), Guid.NewGuid(), Buyer.Id, 60m, null);

        await Rejected(command, Rejection.ProductNotFound);

        await AssertNoOfferWasMade(command, Rejection.ProductNotFound);
    }

    [Fact]
    public async Task Should_reject_an_offer_on_a_sold_product()
    {
        var sold = await Listing(100m, status: ProductStatuses.Sold);
        var command = new MakeOffer(NewId.NextGuid(), sold.Id, Buyer.Id, 60m, null);

        await Rejected(command, Rejection.ProductNotAvailable);

        await AssertNoOfferWasMade(command, Rejection.ProductNotAvailable);
    }

    [Fact]
    public async Task Should_reject_an_offer_by_the_seller_on_their_own_product()
    {
        var command = new MakeOffer(NewId.NextGuid(), Product.Id, Seller.Id, 60m, null);

        await Rejected(command, Rejection.OwnProduct);

        await AssertNoOfferWasMade(command, Rejection.OwnProduct);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("100")]
    [InlineData("100.01")]
    [InlineData("250")]
    public async Task Should_reject_a_price_that_is_not_above_zero_and_below_the_list_price(string price)
    {
        var command = new MakeOffer(NewId.NextGuid(), Product.Id, Buyer.Id, decimal.Parse(price), null);

        await Rejected(command, Rejection.PriceNotBelowList);

        await AssertNoOfferWasMade(command, Rejection.PriceNotBelowList);
    }

    [Fact]
    public async Task Should_leave_no_offer_behind_when_rejected_so_later_moves_find_nothing()
    {
        var command = new MakeOffer(NewId.NextGuid(), Product.Id, Buyer.Id, 150m, null);
        await Rejected(command, Rejection.PriceNotBelowList);

        Assert.Null(await SagaHarness.NotExists(command.OfferId));
        await NotFound(new GetOffer(command.OfferId));
        await NotFound(new AcceptOffer(command.OfferId, Seller.Id));
        await NotFound(new WithdrawOffer(command.OfferId, Buyer.Id));
    }

    async Task AssertNoOfferWasMade(MakeOffer command, Rejection rejection)
    {
        Assert.False(await SagaExists(command.OfferId), "A rejected offer must not leave a saga behind.");
        Assert.Empty(PublishedOfferEvents());
        Assert.Empty(ScheduledTimeouts(command.OfferId));

        await using (var db = Database.NewDbContext())
        {
            Assert.False(await db.Conversations.AnyAsync(c => c.BuyerId == command.BuyerId || c.SellerId == command.BuyerId));
            Assert.False(await db.Messages.AnyAsync(m => m.SenderId == command.BuyerId));
        }

        var entry = Assert.Single(await Timeline(command.OfferId));
        Assert.Equal(("MakeOffer", (Guid?)command.BuyerId, "Initial"), (entry.Action, entry.ActorId, entry.StateBefore));
        Assert.NotEqual("Pending", entry.StateAfter);
        Assert.Equal(rejection.Code, entry.Detail);
        Assert.Equal(command.OfferedPrice, entry.Price);
    }

    [Fact]
    public async Task Should_refuse_the_same_offer_made_twice_and_change_nothing()
    {
        var offer = await MakeOffer(60m);
        var before = await Observe(offer);

        await Rejected(new MakeOffer(offer.CorrelationId, Product.Id, Buyer.Id, 70m, null), Rejection.OfferExists);

        await AssertNothingChanged(before, offer);
    }
}
