using System.Net;
using Microsoft.EntityFrameworkCore;
using SoukLoop.Persistence.Model;

namespace SoukLoop.IntegrationTests.Messaging;

[Collection(MessagingCollection.Name)]
public class When_starting_a_conversation(MessagingFixture system)
{
    [Fact]
    public async Task Should_create_one_conversation_per_buyer_seller_and_product_answering_201_then_200()
    {
        var seller = await system.CreateUserAsync();
        var buyer = await system.CreateUserAsync();
        var product = await system.CreateProductAsync(seller, 25m);

        using var created = await buyer.Raw(HttpMethod.Post, ConversationApi.Conversations, new { other_user_id = seller.Id, product_id = product.Id });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await ReadJson(created)).Id();
        Assert.Equal($"/api/v1/conversations/{id}", created.Headers.Location?.OriginalString);

        var (status, again) = await buyer.Start(seller.Id, product.Id);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(id, again.Id());
        Assert.Equal(seller.Id, again.GetProperty("other_user").Id());
        Assert.Equal(product.Id, again.GetProperty("product").Id());
        Assert.Equal(25m, again.GetProperty("product").GetProperty("price").GetDecimal());
        Assert.Equal(0, again.UnreadCount());
        Assert.False(again.GetProperty("is_archived").GetBoolean());
        Assert.Empty(again.GetProperty("messages").EnumerateArray());

        // The seller reaching out to the same buyer about the same product finds the same conversation.
        (status, var fromSeller) = await seller.Start(buyer.Id, product.Id);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(id, fromSeller.Id());
        Assert.Equal(buyer.Id, fromSeller.GetProperty("other_user").Id());

        var stored = await system.Stored(id);
        Assert.Equal((buyer.Id, seller.Id, (Guid?)product.Id), (stored.BuyerId, stored.SellerId, stored.ProductId));
        await using var db = system.NewDbContext();
        Assert.Equal(1, await db.Conversations.CountAsync(c => c.ProductId == product.Id));
    }

    [Fact]
    public async Task Should_send_the_initial_message_and_return_it_among_the_latest_messages()
    {
        var seller = await system.CreateUserAsync();
        var buyer = await system.CreateUserAsync();
        var product = await system.CreateProductAsync(seller);

        var (status, body) = await buyer.Start(seller.Id, product.Id, "  Is it still available?  ");
        Assert.Equal(HttpStatusCode.Created, status);
        var message = Assert.Single(body.GetProperty("messages").EnumerateArray());
        Assert.Equal("Is it still available?", message.GetProperty("content").GetString());
        Assert.Equal("text", message.GetProperty("message_type").GetString());
        Assert.Equal(buyer.Id, message.GetProperty("sender_id").GetGuid());
        Assert.Equal(message.Id(), body.GetProperty("last_message").Id());

        var sellerRow = (await seller.Inbox()).Row(body.Id());
        Assert.NotNull(sellerRow);
        Assert.Equal(1, sellerRow.Value.UnreadCount());

        // Starting it again with a message sends that message too, into the same conversation.
        (status, body) = await buyer.Start(seller.Id, product.Id, "Hello?");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(2, body.GetProperty("messages").GetArrayLength());
        Assert.Equal("Hello?", body.GetProperty("messages")[0].GetProperty("content").GetString());
        Assert.Equal(2, (await system.Stored(body.Id())).UnreadCountSeller);
    }

    [Fact]
    public async Task Should_keep_one_direct_conversation_per_pair_whoever_starts_it_even_concurrently()
    {
        var a = await system.CreateUserAsync();
        var b = await system.CreateUserAsync();

        var starts = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => i % 2 == 0 ? a.Start(b.Id) : b.Start(a.Id)));
        Assert.All(starts, s => Assert.Contains(s.Status, new[] { HttpStatusCode.Created, HttpStatusCode.OK }));
        Assert.Single(starts, s => s.Status == HttpStatusCode.Created);
        var id = starts[0].Body.Id();
        Assert.All(starts, s => Assert.Equal(id, s.Body.Id()));
        Assert.All(starts, s => Assert.Equal(JsonValueKindNull, s.Body.GetProperty("product").ValueKind));

        await using var db = system.NewDbContext();
        Assert.Equal(1, await db.Conversations.CountAsync(c => c.ProductId == null
            && ((c.BuyerId == a.Id && c.SellerId == b.Id) || (c.BuyerId == b.Id && c.SellerId == a.Id))));
    }

    [Fact]
    public async Task Should_refuse_yourself_unknown_users_unknown_products_and_a_product_of_neither()
    {
        var seller = await system.CreateUserAsync();
        var buyer = await system.CreateUserAsync();
        var third = await system.CreateUserAsync();
        var product = await system.CreateProductAsync(seller);

        var (status, problem) = await buyer.Start(buyer.Id);
        Assert.Equal((HttpStatusCode.BadRequest, "cannot_message_yourself"), (status, problem.Code()));

        (status, problem) = await buyer.Start(Guid.NewGuid());
        Assert.Equal((HttpStatusCode.NotFound, "user_not_found"), (status, problem.Code()));

        (status, problem) = await buyer.Start(seller.Id, Guid.NewGuid());
        Assert.Equal((HttpStatusCode.NotFound, "product_not_found"), (status, problem.Code()));

        (status, problem) = await buyer.Start(third.Id, product.Id);
        Assert.Equal((HttpStatusCode.BadRequest, "other_user_not_seller"), (status, problem.Code()));

        (status, problem) = await buyer.Send(HttpMethod.Post, ConversationApi.Conversations, new { product_id = product.Id });
        Assert.Equal((HttpStatusCode.BadRequest, "validation_failed"), (status, problem.Code()));
        Assert.NotEmpty(problem.Fields("other_user_id"));

        (status, problem) = await buyer.Start(seller.Id, product.Id, "   ");
        Assert.Equal((HttpStatusCode.BadRequest, "validation_failed"), (status, problem.Code()));
        Assert.NotEmpty(problem.Fields("initial_message"));

        (status, problem) = await buyer.Start(seller.Id, product.Id, new string('x', 4001));
        Assert.Equal((HttpStatusCode.BadRequest, "validation_failed"), (status, problem.Code()));
        Assert.NotEmpty(problem.Fields("initial_message"));

        await using var db = system.NewDbContext();
        Assert.False(await db.Conversations.AnyAsync(c => c.BuyerId == buyer.Id || c.SellerId == buyer.Id));
    }

    const System.Text.Json.JsonValueKind JsonValueKindNull = System.Text.Json.JsonValueKind.Null;

    static async Task<System.Text.Json.JsonElement> ReadJson(HttpResponseMessage response) =>
        System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
}
