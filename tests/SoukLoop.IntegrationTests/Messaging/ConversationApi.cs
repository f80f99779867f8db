using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using SoukLoop.Persistence.Model;

namespace SoukLoop.IntegrationTests.Messaging;

/// <summary>The conversation routes as the mobile app calls them.</summary>
public static class ConversationApi
{
    public const string Conversations = "/api/v1/conversations";

    public static Task<(HttpStatusCode Status, JsonElement Body)> Start(this TestUser user, Guid otherUserId, Guid? productId = null,
        string? initialMessage = null) =>
        user.Send(HttpMethod.Post, Conversations, new { other_user_id = otherUserId, product_id = productId, initial_message = initialMessage });

    /// <summary>A new conversation between the two (about the product when given); asserts 201.</summary>
    public static async Task<Guid> NewConversation(this TestUser user, TestUser other, Guid? productId = null)
    {
        var (status, body) = await user.Start(other.Id, productId);
        Assert.True(status == HttpStatusCode.Created, $"start conversation: {(int)status} {body}");
        return body.Id();
    }

    /// <summary>A buyer, a seller, a product of the seller's and their conversation about it.</summary>
    public static async Task<(TestUser Buyer, TestUser Seller, Product Product, Guid ConversationId)> Pair(this SystemFixture system)
    {
        var seller = await system.CreateUserAsync();
        var buyer = await system.CreateUserAsync();
        var product = await system.CreateProductAsync(seller);
        return (buyer, seller, product, await buyer.NewConversation(seller, product.Id));
    }

    public static Task<(HttpStatusCode Status, JsonElement Body)> Post(this TestUser user, Guid conversationId, object message) =>
        user.Send(HttpMethod.Post, $"{Conversations}/{conversationId}/messages", message);

    public static Task<(HttpStatusCode Status, JsonElement Body)> Text(this TestUser user, Guid conversationId, string text,
        string? clientMessageId = null) =>
        user.Post(conversationId, new { message_type = "text", content = text, client_message_id = clientMessageId });

    /// <summary>
    /// A text message sent as the app does: the answer, or past the Api's wait (202) the stored message from its location
    /// (<see cref="OfferApi.Settled"/>), answered 200 like a resend.
    /// </summary>
    public static async Task<(HttpStatusCode Status, JsonElement Body)> TextSettled(this TestUser user, Guid conversationId, string text,
        string? clientMessageId = null) =>
        await user.Settled(await user.Text(conversationId, text, clientMessageId));

    /// <summary>Sends a text message and asserts it was stored (201, or 202 and then shown at its location).</summary>
    public static async Task<JsonElement> Said(this TestUser user, Guid conversationId, string text, string? clientMessageId = null)
    {
        var (status, body) = await user.TextSettled(conversationId, text, clientMessageId);
        Assert.True(status is HttpStatusCode.Created or HttpStatusCode.OK && body.TryGetProperty("content", out _), $"send: {(int)status} {body}");
        return body;
    }

    /// <summary>
    /// Marks the conversation read for the caller as the app does: 200, or 202 (queued past the Api's wait) and then until the
    /// stored count shows it, so what the test does next comes after the read.
    /// </summary>
    public static async Task<(HttpStatusCode Status, JsonElement Body)> ReadSettled(this TestUser user, Guid conversationId)
    {
        var answer = await user.Send(HttpMethod.Patch, $"{Conversations}/{conversationId}/read");
        if (answer.Status != HttpStatusCode.Accepted)
            return answer;
        await OfferApi.Eventually(async () =>
        {
            var stored = await user.System.Stored(conversationId);
            return stored.BuyerId == user.Id ? stored.UnreadCountBuyer : stored.UnreadCountSeller;
        }, unread => unread == 0, OfferApi.Applied);
        return (HttpStatusCode.OK, answer.Body);
    }

    public static Task<(HttpStatusCode Status, JsonElement Body)> Get(this TestUser user, string path) => user.Send(HttpMethod.Get, path);

    public static async Task<JsonElement> Inbox(this TestUser user, string filter = "all", int page = 1, int perPage = 100)
    {
        var (status, body) = await user.Get($"{Conversations}?filter={filter}&page={page}&per_page={perPage}");
        Assert.True(status == HttpStatusCode.OK, $"list: {(int)status} {body}");
        return body;
    }

    /// <summary>The caller's row for one conversation in a list, or null when the list does not show it.</summary>
    public static JsonElement? Row(this JsonElement page, Guid conversationId) =>
        page.GetProperty("items").EnumerateArray().Where(i => i.Id() == conversationId).Select(i => (JsonElement?)i).FirstOrDefault();

    public static async Task<HttpResponseMessage> Raw(this TestUser user, HttpMethod method, string path, object? body = null) =>
        await user.System.Client.SendAsync(user.Request(method, path, body));

    public static int UnreadCount(this JsonElement element) => element.GetProperty("unread_count").GetInt32();

    public static string[] Fields(this JsonElement problem, string field) =>
        problem.TryGetProperty("errors", out var errors) && errors.TryGetProperty(field, out var messages)
            ? messages.EnumerateArray().Select(m => m.GetString()!).ToArray()
            : [];

    public static async Task<Conversation> Stored(this SystemFixture system, Guid conversationId)
    {
        await using var db = system.NewDbContext();
        return await db.Conversations.AsNoTracking().SingleAsync(c => c.Id == conversationId);
    }

    public static async Task<List<Message>> StoredMessages(this SystemFixture system, Guid conversationId)
    {
        await using var db = system.NewDbContext();
        return await db.Messages.AsNoTracking().Where(m => m.ConversationId == conversationId).OrderBy(m => m.CreatedAt).ThenBy(m => m.Id).ToListAsync();
    }
}
