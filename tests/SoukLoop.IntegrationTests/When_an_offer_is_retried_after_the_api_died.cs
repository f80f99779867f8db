using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace SoukLoop.IntegrationTests;

/// <summary>
/// The Api dies after it sent MakeOffer but before it stored its answer under the request's Idempotency-Key (a deploy,
/// a crash; the fault drill's "kill -9 of Api"). The key's record is gone or taken over, so the client's retry runs the
/// route again: it must find the offer the first attempt made, not make a second one.
/// </summary>
public class When_an_offer_is_retried_after_the_api_died(SystemFixture system) : IClassFixture<SystemFixture>
{
    [Fact]
    public async Task Should_answer_the_same_offer_and_make_no_second_one()
    {
        var seller = await system.CreateUserAsync();
        var buyer = await system.CreateUserAsync();
        var product = await system.CreateProductAsync(seller, 100m);
        var key = Guid.NewGuid().ToString("N");

        var (status, first) = await Post(buyer, product.Id, key);
        if (status == HttpStatusCode.Accepted)
            (status, first) = await buyer.FollowLocation(first);
        Assert.True(status is HttpStatusCode.Created or HttpStatusCode.OK, $"first attempt: {(int)status} {first}");

        // What a crash between sending the command and storing the answer leaves: no stored answer under the key.
        await using (var db = system.NewDbContext())
            await db.Database.ExecuteSqlAsync($"DELETE FROM idempotency_records WHERE user_id = {buyer.Id} AND key = {key}");

        var (retryStatus, retried) = await Post(buyer, product.Id, key);
        Assert.Equal(HttpStatusCode.Created, retryStatus);
        Assert.Equal(first.Id(), retried.Id());

        await using var check = system.NewDbContext();
        Assert.Equal(1, await check.Offers.CountAsync(o => o.BuyerId == buyer.Id && o.ProductId == product.Id));
    }

    [Fact]
    public async Task Should_make_a_new_offer_for_a_new_key()
    {
        var seller = await system.CreateUserAsync();
        var buyer = await system.CreateUserAsync();
        var product = await system.CreateProductAsync(seller, 100m);

        var one = await Applied(buyer, product.Id, Guid.NewGuid().ToString("N"));
        var two = await Applied(buyer, product.Id, Guid.NewGuid().ToString("N"));

        Assert.NotEqual(one.Id(), two.Id());
    }

    static async Task<JsonElement> Applied(TestUser buyer, Guid productId, string key)
    {
        var (status, body) = await Post(buyer, productId, key);
        if (status == HttpStatusCode.Accepted)
            (status, body) = await buyer.FollowLocation(body);
        Assert.True(status is HttpStatusCode.Created or HttpStatusCode.OK, $"{(int)status} {body}");
        return body;
    }

    static async Task<(HttpStatusCode Status, JsonElement Body)> Post(TestUser buyer, Guid productId, string key)
    {
        var request = buyer.Request(HttpMethod.Post, "/api/v1/offers", new { product_id = productId, offered_price = 60m });
        request.Headers.Add("Idempotency-Key", key);
        using var response = await buyer.System.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, string.IsNullOrEmpty(text) ? default : JsonDocument.Parse(text).RootElement.Clone());
    }
}
