using System.Net;
using Microsoft.EntityFrameworkCore;
using SoukLoop.Persistence.Model;

namespace SoukLoop.IntegrationTests;

public class When_negotiating_an_offer(SystemFixture system) : IClassFixture<SystemFixture>
{
    [Fact]
    public async Task Should_make_counter_counter_and_accept_over_rest()
    {
        var seller = await system.CreateUserAsync();
        var buyer = await system.CreateUserAsync();
        var product = await system.CreateProductAsync(seller, 100m, Feeds.Discover);

        var offer = await buyer.MakeOffer(product.Id, 60m);
        Assert.Equal("pending", offer.Status());
        Assert.Equal("seller", offer.GetProperty("awaiting").GetString());
        var id = offer.Id();

        var (status, countered) = await seller.MoveApplied(id, "counter", o => o.Status() == "countered", new { counter_price = 90m });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("countered", countered.Status());
        Assert.Equal("buyer", countered.GetProperty("awaiting").GetString());

        (status, var buyerCounter) = await buyer.MoveApplied(id, "counter", o => o.GetProperty("round").GetInt32() == 3, new { counter_price = 75m });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("pending", buyerCounter.Status());
        Assert.Equal(3, buyerCounter.GetProperty("round").GetInt32());

        (status, var accepted) = await seller.MoveApplied(id, "accept", o => o.Status() == "accepted");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("accepted", accepted.Status());
        var transaction = accepted.GetProperty("transaction");
        Assert.Equal(75m, transaction.GetProperty("amount").GetDecimal());
        Assert.Equal(11.25m, transaction.GetProperty("platform_fee").GetDecimal());
        Assert.Equal(63.75m, transaction.GetProperty("seller_payout").GetDecimal());

        await using var db = system.NewDbContext();
        Assert.Equal(ProductStatuses.Sold, (await db.Products.SingleAsync(p => p.Id == product.Id)).Status);
        var messages = await db.Messages.Where(m => m.ConversationId == offer.GetProperty("conversation_id").GetGuid()).ToListAsync();
        Assert.Equal(4, messages.Count);
        var conversation = await db.Conversations.SingleAsync(c => c.Id == offer.GetProperty("conversation_id").GetGuid());
        Assert.Equal(2, conversation.UnreadCountSeller);
        Assert.Equal(2, conversation.UnreadCountBuyer);

        var (_, read) = await buyer.Send(HttpMethod.Get, $"/api/v1/offers/{id}");
        var actions = read.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("action").GetString()).ToList();
        Assert.Equal(["made", "countered", "countered", "accepted"], actions);
    }

    [Fact]
    public async Task Should_reject_moves_out_of_turn_and_out_of_range_without_changing_anything()
    {
        var seller = await system.CreateUserAsync();
        var buyer = await system.CreateUserAsync();
        var stranger = await system.CreateUserAsync();
        var product = await system.CreateProductAsync(seller, 100m);
        var id = (await buyer.MakeOffer(product.Id, 50m)).Id();

        var (status, problem) = await buyer.Move(id, "accept");
        Assert.Equal((HttpStatusCode.Forbidden, "not_your_turn"), (status, problem.Code()));

        (status, problem) = await seller.Move(id, "counter", new { counter_price = 100m });
        Assert.Equal((HttpStatusCode.BadRequest, "counter_price_out_of_range"), (status, problem.Code()));

        (status, problem) = await seller.Move(id, "counter", new { counter_price = 40m });
        Assert.Equal((HttpStatusCode.BadRequest, "counter_price_out_of_range"), (status, problem.Code()));

        (status, problem) = await stranger.Move(id, "decline");
        Assert.Equal((HttpStatusCode.NotFound, "offer_not_found"), (status, problem.Code()));

        (status, problem) = await seller.Move(id, "withdraw");
        Assert.Equal((HttpStatusCode.Forbidden, "only_buyer_can_withdraw"), (status, problem.Code()));

        (status, problem) = await buyer.Send(HttpMethod.Post, "/api/v1/offers", new { product_id = product.Id, offered_price = 100m });
        Assert.Equal((HttpStatusCode.BadRequest, "price_not_below_list"), (status, problem.Code()));

        (status, problem) = await seller.Send(HttpMethod.Post, "/api/v1/offers", new { product_id = product.Id, offered_price = 10m });
        Assert.Equal((HttpStatusCode.Forbidden, "cannot_offer_on_own_product"), (status, problem.Code()));

        (status, var offer) = await buyer.Send(HttpMethod.Get, $"/api/v1/offers/{id}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("pending", offer.Status());
        Assert.Equal(1, offer.GetProperty("round").GetInt32());

        (status, _) = await buyer.MoveApplied(id, "withdraw", o => o.Status() == "withdrawn");
        Assert.Equal(HttpStatusCode.OK, status);
        (status, problem) = await buyer.Move(id, "withdraw");
        Assert.Equal((HttpStatusCode.Conflict, "offer_closed"), (status, problem.Code()));
    }

    [Fact]
    public async Task Should_end_twenty_concurrent_moves_on_one_offer_in_exactly_one_outcome()
    {
        var seller = await system.CreateUserAsync();
        var buyer = await system.CreateUserAsync();
        var product = await system.CreateProductAsync(seller, 100m);
        var id = (await buyer.MakeOffer(product.Id, 50m)).Id();

        var moves = Enumerable.Range(0, 20).Select(i => (i % 3) switch
        {
            0 => seller.Move(id, "accept"),
            1 => seller.Move(id, "decline"),
            _ => seller.Move(id, "counter", new { counter_price = 60m + i })
        }).ToList();
        var results = await Task.WhenAll(moves);

        // A move not answered within the Api's wait is 202 and stays queued; the saga then applies or refuses it.
        Assert.All(results, r => Assert.True(r.Status is HttpStatusCode.OK or HttpStatusCode.Conflict or HttpStatusCode.Forbidden
            or HttpStatusCode.Accepted, $"{(int)r.Status} {r.Body}"));
        Assert.True(results.Count(r => r.Status == HttpStatusCode.OK) <= 1);

        await using var db = system.NewDbContext();
        // Every move consumed (the timeline records applied and refused ones alike).
        var consumed = await OfferApi.Eventually(() => db.OfferTimeline.CountAsync(e => e.OfferId == id
            && (e.Action == "AcceptOffer" || e.Action == "DeclineOffer" || e.Action == "CounterOffer")), n => n >= 20, OfferApi.Applied);
        Assert.Equal(20, consumed);
        var offer = await db.Offers.SingleAsync(o => o.CorrelationId == id);
        var applied = await db.OfferTimeline.CountAsync(e => e.OfferId == id && e.StateBefore != e.StateAfter);
        Assert.Equal(2, applied); // the offer being made, and exactly one of the twenty moves
        Assert.Equal(offer.CurrentState == "Accepted" ? 1 : 0, await db.Transactions.CountAsync(t => t.OfferId == id));
    }

    [Fact]
    public async Task Should_sell_once_when_two_offers_on_one_product_are_accepted_at_once()
    {
        var seller = await system.CreateUserAsync();
        var first = await system.CreateUserAsync();
        var second = await system.CreateUserAsync();
        var product = await system.CreateProductAsync(seller, 100m);
        var a = (await first.MakeOffer(product.Id, 70m)).Id();
        var b = (await second.MakeOffer(product.Id, 80m)).Id();

        var results = await Task.WhenAll(seller.Move(a, "accept"), seller.Move(b, "accept"));

        var summary = string.Join(" | ", results.Select(r => $"{(int)r.Status} {r.Body}"));
        // A 202 stays queued and is applied or refused later: the outcome is read from the offers themselves.
        Assert.True(results.Count(r => r.Status == HttpStatusCode.OK) <= 1, summary);
        Assert.True(results.All(r => r.Status is HttpStatusCode.OK or HttpStatusCode.Accepted
            || (r.Status == HttpStatusCode.Conflict && r.Body.Code() is "product_not_available" or "offer_closed")), summary);

        await using var db = system.NewDbContext();
        var states = await OfferApi.Eventually(
            () => db.Offers.AsNoTracking().Where(o => o.CorrelationId == a || o.CorrelationId == b).Select(o => new { o.CorrelationId, o.CurrentState })
                .ToListAsync(), s => s.Count(o => o.CurrentState == "Accepted") == 1, OfferApi.Applied);
        Assert.True(states.Count(o => o.CurrentState == "Accepted") == 1, summary);
        Assert.Equal(1, await db.Transactions.CountAsync(t => t.ProductId == product.Id));
        var loser = states.Single(o => o.CurrentState != "Accepted").CorrelationId;
        var closed = await OfferApi.Eventually(
            async () => (await db.Offers.AsNoTracking().SingleAsync(o => o.CorrelationId == loser)).CurrentState,
            s => s == "Declined", TimeSpan.FromSeconds(20));
        Assert.Equal("Declined", closed);
    }

    [Fact]
    public async Task Should_list_offers_by_role_and_page_with_the_product_and_the_other_user()
    {
        var seller = await system.CreateUserAsync();
        var buyer = await system.CreateUserAsync();
        var first = await system.CreateProductAsync(seller, 100m, Feeds.Discover);
        var second = await system.CreateProductAsync(seller, 200m, Feeds.Community);
        var mine = await system.CreateProductAsync(buyer, 50m);
        var made = new[] { await buyer.MakeOffer(first.Id, 60m), await buyer.MakeOffer(second.Id, 150m) };
        var received = await seller.MakeOffer(mine.Id, 40m);

        var (status, asBuyer) = await buyer.Send(HttpMethod.Get, "/api/v1/offers?as_buyer=true&per_page=1");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal((1, 1, 2), (asBuyer.GetProperty("page").GetInt32(), asBuyer.GetProperty("per_page").GetInt32(), asBuyer.GetProperty("total").GetInt32()));
        var (_, page2) = await buyer.Send(HttpMethod.Get, "/api/v1/offers?as_buyer=true&per_page=1&page=2");
        var pages = asBuyer.GetProperty("items").EnumerateArray().Concat(page2.GetProperty("items").EnumerateArray()).ToList();
        Assert.Equal(made.Select(o => o.Id()).Order(), pages.Select(o => o.Id()).Order());
        var one = pages.Single(o => o.Id() == made[0].Id());
        Assert.Equal((seller.Id, "Test user"), (one.GetProperty("other_user").GetProperty("id").GetGuid(),
            one.GetProperty("other_user").GetProperty("display_name").GetString()));
        Assert.Equal((first.Id, 100.00m), (one.GetProperty("product").GetProperty("id").GetGuid(), one.GetProperty("product").GetProperty("price").GetDecimal()));

        var (_, asSeller) = await buyer.Send(HttpMethod.Get, "/api/v1/offers?as_seller=true");
        Assert.Equal([received.Id()], asSeller.GetProperty("items").EnumerateArray().Select(o => o.Id()));
        var (_, all) = await buyer.Send(HttpMethod.Get, "/api/v1/offers?status=pending");
        Assert.Equal(3, all.GetProperty("total").GetInt32());

        (status, var bad) = await buyer.Send(HttpMethod.Get, "/api/v1/offers?per_page=500");
        Assert.Equal((HttpStatusCode.BadRequest, "validation_failed"), (status, bad.Code()));
    }
}
