using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace SoukLoop.IntegrationTests.Messaging;

[Collection(MessagingCollection.Name)]
public class When_listing_conversations(MessagingFixture system)
{
    [Fact]
    public async Task Should_list_newest_activity_first_with_the_other_user_the_product_and_the_last_message()
    {
        var me = await system.CreateUserAsync();
        var seller = await system.CreateUserAsync();
        var buyer = await system.CreateUserAsync();
        var friend = await system.CreateUserAsync();
        var product = await system.CreateProductAsync(seller, 42.5m);
        await using (var db = system.NewDbContext())
        {
            var p = await db.Products.SingleAsync(x => x.Id == product.Id);
            p.ImageUrls = ["https://img.example.com/lamp.jpg", "https://img.example.com/lamp2.jpg"];
            var u = await db.Users.SingleAsync(x => x.Id == seller.Id);
            u.AvatarUrl = "https://img.example.com/seller.png";
            u.DisplayName = "Lamp seller";
            await db.SaveChangesAsync();
        }
        var mine = await system.CreateProductAsync(me);

        var asBuyer = await me.NewConversation(seller, product.Id);
        var asSeller = await buyer.NewConversation(me, mine.Id);
        var direct = await me.NewConversation(friend);
        await me.Said(asBuyer, "first");
        await buyer.Said(asSeller, "second");
        var last = await friend.Said(direct, "third");

        var page = await me.Inbox();
        Assert.Equal(3, page.GetProperty("total").GetInt32());
        Assert.Equal(1, page.GetProperty("page").GetInt32());
        Assert.Equal(100, page.GetProperty("per_page").GetInt32());
        var items = page.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([direct, asSeller, asBuyer], items.Select(i => i.Id()));
        Assert.Equal(["id", "other_user", "product", "last_message", "last_message_at", "unread_count", "is_archived"],
            items[0].EnumerateObject().Select(p => p.Name));

        var directRow = items[0];
        Assert.Equal(friend.Id, directRow.GetProperty("other_user").Id());
        Assert.Equal(JsonValueKind.Null, directRow.GetProperty("product").ValueKind);
        Assert.Equal(1, directRow.UnreadCount());
        var lastMessage = directRow.GetProperty("last_message");
        Assert.Equal(["id", "message_type", "content", "sender_id", "created_at"], lastMessage.EnumerateObject().Select(p => p.Name));
        Assert.Equal((last.Id(), "third", friend.Id), (lastMessage.Id(), lastMessage.GetProperty("content").GetString(),
            lastMessage.GetProperty("sender_id").GetGuid()));
        Assert.Equal(last.GetProperty("created_at").GetString(), directRow.GetProperty("last_message_at").GetString());

        var buyerRow = items[2];
        Assert.Equal(0, buyerRow.UnreadCount());
        var other = buyerRow.GetProperty("other_user");
        Assert.Equal((seller.Id, "Lamp seller", "https://img.example.com/seller.png"),
            (other.Id(), other.GetProperty("display_name").GetString(), other.GetProperty("avatar_url").GetString()));
        var listed = buyerRow.GetProperty("product");
        Assert.Equal(["id", "title", "price", "image_url"], listed.EnumerateObject().Select(p => p.Name));
        Assert.Equal((product.Id, "Vintage lamp", 42.5m, "https://img.example.com/lamp.jpg"), (listed.Id(), listed.GetProperty("title").GetString(),
            listed.GetProperty("price").GetDecimal(), listed.GetProperty("image_url").GetString()));
        Assert.Equal(buyer.Id, items[1].GetProperty("other_user").Id());
    }

    [Fact]
    public async Task Should_page_with_the_total_and_without_repeating_a_conversation()
    {
        var me = await system.CreateUserAsync();
        var ids = new List<Guid>();
        for (var i = 0; i < 25; i++)
            ids.Add(await me.NewConversation(await system.CreateUserAsync()));

        var seen = new List<Guid>();
        for (var page = 1; page <= 3; page++)
        {
            var body = await me.Inbox(page: page, perPage: 10);
            Assert.Equal(25, body.GetProperty("total").GetInt32());
            Assert.Equal(10, body.GetProperty("per_page").GetInt32());
            seen.AddRange(body.GetProperty("items").EnumerateArray().Select(i => i.Id()));
        }
        Assert.Equal(25, seen.Count);
        Assert.Equal(ids.Order(), seen.Order());
        Assert.Empty((await me.Inbox(page: 4, perPage: 10)).GetProperty("items").EnumerateArray());

        var (status, defaults) = await me.Get(ConversationApi.Conversations);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal((1, 20, 20), (defaults.GetProperty("page").GetInt32(), defaults.GetProperty("per_page").GetInt32(),
            defaults.GetProperty("items").GetArrayLength()));
    }

    [Fact]
    public async Task Should_filter_unread_and_archived_for_the_caller()
    {
        var me = await system.CreateUserAsync();
        var a = await system.CreateUserAsync();
        var b = await system.CreateUserAsync();
        var c = await system.CreateUserAsync();
        var quiet = await me.NewConversation(a);
        var unread = await me.NewConversation(b);
        var archived = await me.NewConversation(c);
        await b.Said(unread, "news");
        await c.Said(archived, "old news");
        Assert.Equal(HttpStatusCode.NoContent, (await me.Raw(HttpMethod.Delete, $"{ConversationApi.Conversations}/{archived}")).StatusCode);

        Assert.Equal([unread, quiet], (await me.Inbox()).GetProperty("items").EnumerateArray().Select(i => i.Id()));
        Assert.Equal([unread], (await me.Inbox("unread")).GetProperty("items").EnumerateArray().Select(i => i.Id()));
        Assert.Equal([archived], (await me.Inbox("archived")).GetProperty("items").EnumerateArray().Select(i => i.Id()));
        Assert.Equal(1, (await me.Inbox("unread")).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Should_refuse_bad_pages_and_filters()
    {
        var me = await system.CreateUserAsync();
        foreach (var (query, field) in new[] { ("page=0", "page"), ("per_page=0", "per_page"), ("per_page=101", "per_page"), ("filter=starred", "filter") })
        {
            var (status, problem) = await me.Get($"{ConversationApi.Conversations}?{query}");
            Assert.Equal((HttpStatusCode.BadRequest, "validation_failed"), (status, problem.Code()));
            Assert.NotEmpty(problem.Fields(field));
        }
    }
}
