using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace SoukLoop.IntegrationTests.Messaging;

[Collection(MessagingCollection.Name)]
public class When_sending_a_message(MessagingFixture system)
{
    [Fact]
    public async Task Should_store_it_answer_201_with_it_count_it_for_the_recipient_and_publish_message_sent()
    {
        await using var probe = await EventProbe.StartAsync(system);
        var (buyer, seller, product, conversationId) = await system.Pair();

        using var response = await buyer.Raw(HttpMethod.Post, $"{ConversationApi.Conversations}/{conversationId}/messages",
            new { message_type = "text", content = "  Would you take 20?  ", client_message_id = "c-1" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var message = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var id = message.Id();
        Assert.Equal($"/api/v1/conversations/{conversationId}/messages/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal(
            ["id", "conversation_id", "sender_id", "message_type", "content", "image_urls", "offer_data", "is_read", "created_at", "client_message_id"],
            message.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal(conversationId, message.GetProperty("conversation_id").GetGuid());
        Assert.Equal(buyer.Id, message.GetProperty("sender_id").GetGuid());
        Assert.Equal("Would you take 20?", message.GetProperty("content").GetString());
        Assert.Equal("c-1", message.GetProperty("client_message_id").GetString());
        Assert.False(message.GetProperty("is_read").GetBoolean());
        Assert.Empty(message.GetProperty("image_urls").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, message.GetProperty("offer_data").ValueKind);

        var stored = Assert.Single(await system.StoredMessages(conversationId));
        Assert.Equal(id, stored.Id);
        Assert.Equal(message.GetProperty("created_at").GetDateTime(), stored.CreatedAt);
        var conversation = await system.Stored(conversationId);
        Assert.Equal((0, 1), (conversation.UnreadCountBuyer, conversation.UnreadCountSeller));
        Assert.Equal(stored.CreatedAt, conversation.LastMessageAt);

        var (status, read) = await buyer.Get($"{ConversationApi.Conversations}/{conversationId}/messages/{id}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(message.ToString(), read.ToString());

        var sent = Assert.Single(await EventProbe.Await(probe.Sent, e => e.MessageId == id));
        Assert.Equal((conversationId, buyer.Id, seller.Id, 1, (Guid?)product.Id), (sent.ConversationId, sent.SenderId, sent.RecipientId,
            sent.RecipientUnreadCount, sent.ProductId));
        Assert.Equal(("text", "Would you take 20?", "c-1", stored.CreatedAt), (sent.MessageType, sent.Content, sent.ClientMessageId, sent.CreatedAt));
    }

    [Fact]
    public async Task Should_store_an_image_message_with_an_optional_caption()
    {
        var (buyer, seller, _, conversationId) = await system.Pair();
        string[] urls = ["https://img.example.com/a.jpg", "http://img.example.com/b.png"];

        var (status, body) = await seller.Post(conversationId, new { message_type = "image", image_urls = urls });
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(urls, body.GetProperty("image_urls").EnumerateArray().Select(u => u.GetString()).ToArray());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("content").ValueKind);

        (status, body) = await seller.Post(conversationId, new { message_type = "image", image_urls = urls[..1], content = "The back" });
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("The back", body.GetProperty("content").GetString());

        Assert.Equal(2, (await system.Stored(conversationId)).UnreadCountBuyer);
        Assert.Equal(2, (await system.StoredMessages(conversationId)).Count(m => m.MessageType == "image"));
        _ = buyer;
    }

    public static TheoryData<string, object, string, string> InvalidMessages => new()
    {
        { "blank text", new { message_type = "text", content = "   " }, "validation_failed", "content" },
        { "text without content", new { message_type = "text" }, "validation_failed", "content" },
        { "4001 characters", new { message_type = "text", content = new string('a', 4001) }, "validation_failed", "content" },
        { "0 images", new { message_type = "image", image_urls = Array.Empty<string>() }, "validation_failed", "image_urls" },
        { "no image list", new { message_type = "image", content = "caption" }, "validation_failed", "image_urls" },
        { "11 images", new { message_type = "image", image_urls = Enumerable.Range(0, 11).Select(i => $"https://x.test/{i}.jpg").ToArray() },
            "validation_failed", "image_urls" },
        { "non-http URL", new { message_type = "image", image_urls = new[] { "ftp://x.test/a.jpg" } }, "validation_failed", "image_urls" },
        { "relative URL", new { message_type = "image", image_urls = new[] { "/uploads/a.jpg" } }, "validation_failed", "image_urls" },
        { "caption of 4001 characters", new { message_type = "image", image_urls = new[] { "https://x.test/a.jpg" }, content = new string('a', 4001) },
            "validation_failed", "content" },
        { "offer type", new { message_type = "offer", content = "50 please" }, "message_type_reserved", "message_type" },
        { "system type", new { message_type = "system", content = "Offer accepted" }, "message_type_reserved", "message_type" },
        { "unknown type", new { message_type = "video", content = "x" }, "validation_failed", "message_type" },
        { "no type", new { content = "x" }, "validation_failed", "message_type" },
        { "client_message_id of 101 characters", new { message_type = "text", content = "x", client_message_id = new string('c', 101) },
            "validation_failed", "client_message_id" },
    };

    [Theory]
    [MemberData(nameof(InvalidMessages))]
    public async Task Should_refuse_an_invalid_message_with_400_and_a_code_storing_nothing(string _, object message, string code, string field)
    {
        var (buyer, _, _, conversationId) = await system.Pair();

        var (status, problem) = await buyer.Post(conversationId, message);

        Assert.Equal((HttpStatusCode.BadRequest, code), (status, problem.Code()));
        Assert.NotEmpty(problem.Fields(field));
        Assert.Empty(await system.StoredMessages(conversationId));
        Assert.Equal(0, (await system.Stored(conversationId)).UnreadCountSeller);
    }

    [Fact]
    public async Task Should_store_a_resend_with_the_same_client_message_id_once_answering_200_with_the_first()
    {
        await using var probe = await EventProbe.StartAsync(system);
        var (buyer, _, _, conversationId) = await system.Pair();
        var clientId = Guid.NewGuid().ToString();

        var first = await buyer.Said(conversationId, "first", clientId);
        var (again, resent) = await buyer.TextSettled(conversationId, "first (edited on retry)", clientId);
        Assert.Equal(HttpStatusCode.OK, again);
        Assert.Equal(first.ToString(), resent.ToString());

        Assert.Single(await system.StoredMessages(conversationId));
        Assert.Equal(1, (await system.Stored(conversationId)).UnreadCountSeller);
        await Task.Delay(500);
        Assert.Single(probe.Sent, e => e.ConversationId == conversationId);
    }

    [Fact]
    public async Task Should_store_concurrent_resends_with_the_same_client_message_id_once()
    {
        var (buyer, _, _, conversationId) = await system.Pair();
        var clientId = Guid.NewGuid().ToString();

        var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => buyer.TextSettled(conversationId, "once", clientId)));

        // One send stores it (201, or 202 and then shown at its location); the others answer the stored one (200).
        Assert.All(answers, a => Assert.True(a.Status is HttpStatusCode.Created or HttpStatusCode.OK, $"{(int)a.Status} {a.Body}"));
        Assert.InRange(answers.Count(a => a.Status == HttpStatusCode.Created), 0, 1);
        Assert.Single(answers.Select(a => a.Body.Id()).Distinct());
        Assert.Single(await system.StoredMessages(conversationId));
        Assert.Equal(1, (await system.Stored(conversationId)).UnreadCountSeller);
    }

    [Fact]
    public async Task Should_refuse_a_client_message_id_already_used_in_another_conversation()
    {
        var (buyer, _, _, first) = await system.Pair();
        var otherSeller = await system.CreateUserAsync();
        var second = await buyer.NewConversation(otherSeller, (await system.CreateProductAsync(otherSeller)).Id);
        var clientId = Guid.NewGuid().ToString();

        await buyer.Said(first, "hi", clientId);
        var (status, problem) = await buyer.Text(second, "hi", clientId);

        Assert.Equal((HttpStatusCode.Conflict, "client_message_id_conflict"), (status, problem.Code()));
        Assert.Empty(await system.StoredMessages(second));
    }

    [Fact]
    public async Task Should_let_both_users_use_the_same_client_message_id()
    {
        var (buyer, seller, _, conversationId) = await system.Pair();

        await buyer.Said(conversationId, "from buyer", "same");
        await seller.Said(conversationId, "from seller", "same");

        Assert.Equal(2, (await system.StoredMessages(conversationId)).Count);
    }

    [Fact]
    public async Task Should_replay_the_first_answer_for_a_repeated_idempotency_key()
    {
        var (buyer, _, _, conversationId) = await system.Pair();
        var key = Guid.NewGuid().ToString();

        async Task<(HttpStatusCode, string, bool)> Once()
        {
            var request = buyer.Request(HttpMethod.Post, $"{ConversationApi.Conversations}/{conversationId}/messages",
                new { message_type = "text", content = "with a key" });
            request.Headers.Add("Idempotency-Key", key);
            using var response = await system.Client.SendAsync(request);
            return (response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers.Contains("Idempotent-Replayed"));
        }

        var (status, body, replayed) = await Once();
        Assert.Equal((HttpStatusCode.Created, false), (status, replayed));
        var (status2, body2, replayed2) = await Once();
        Assert.Equal((HttpStatusCode.Created, true), (status2, replayed2));
        Assert.Equal(body, body2);
        Assert.Single(await system.StoredMessages(conversationId));
    }
}
