using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace SoukLoop.IntegrationTests.Messaging;

[Collection(MessagingCollection.Name)]
public class When_a_stranger_touches_a_conversation(MessagingFixture system)
{
    [Fact]
    public async Task Should_answer_404_conversation_not_found_on_every_route_and_change_nothing()
    {
        var (buyer, seller, product, conversationId) = await system.Pair();
        var message = (await buyer.Said(conversationId, "private")).Id();
        await seller.Said(conversationId, "also private");
        var stranger = await system.CreateUserAsync();
        var before = await Snapshot(conversationId);
        var path = $"{ConversationApi.Conversations}/{conversationId}";

        var attempts = new (HttpMethod Method, string Path, object? Body)[]
        {
            (HttpMethod.Get, path, null),
            (HttpMethod.Get, $"{path}/messages", null),
            (HttpMethod.Get, $"{path}/messages?before_message_id={message}", null),
            (HttpMethod.Get, $"{path}/messages/{message}", null),
            (HttpMethod.Post, $"{path}/messages", new { message_type = "text", content = "let me in" }),
            (HttpMethod.Post, $"{path}/messages", new { message_type = "text", content = "   " }),
            (HttpMethod.Patch, $"{path}/read", null),
            (HttpMethod.Delete, path, null),
        };
        foreach (var (method, route, body) in attempts)
        {
            var (status, problem) = await stranger.Send(method, route, body);
            Assert.True((HttpStatusCode.NotFound, "conversation_not_found") == (status, problem.Code()), $"{method} {route}: {(int)status} {problem}");
        }

        // Unknown and malformed ids look exactly the same.
        foreach (var id in new[] { Guid.NewGuid().ToString(), "not-a-uuid" })
        {
            var (status, problem) = await buyer.Get($"{ConversationApi.Conversations}/{id}");
            Assert.Equal((HttpStatusCode.NotFound, "conversation_not_found"), (status, problem.Code()));
        }

        Assert.Null((await stranger.Inbox()).Row(conversationId));
        Assert.Null((await stranger.Inbox("archived")).Row(conversationId));
        // Starting a conversation about the product with the buyer is refused: the stranger is not its seller.
        Assert.Equal(HttpStatusCode.BadRequest, (await stranger.Start(buyer.Id, product.Id)).Status);

        await Task.Delay(500);
        Assert.Equal(before, await Snapshot(conversationId));
    }

    async Task<string> Snapshot(Guid conversationId)
    {
        await using var db = system.NewDbContext();
        var conversation = await db.Conversations.AsNoTracking().SingleAsync(c => c.Id == conversationId);
        var messages = await db.Messages.AsNoTracking().Where(m => m.ConversationId == conversationId).OrderBy(m => m.Id).ToListAsync();
        return JsonSerializer.Serialize(new { conversation, messages });
    }
}
