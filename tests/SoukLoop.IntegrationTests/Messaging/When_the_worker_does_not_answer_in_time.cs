using System.Net;
using System.Text.Json;

namespace SoukLoop.IntegrationTests.Messaging;

public class When_the_worker_does_not_answer_in_time(ShortWaitFixture system) : IClassFixture<ShortWaitFixture>
{
    [Fact]
    public async Task Should_answer_202_with_a_location_that_shows_the_message_once_stored()
    {
        var (buyer, seller, _, conversationId) = await system.Pair();
        // The first send may take longer than the one-second wait (JIT, a busy machine): wait until it is stored.
        Assert.Contains((await buyer.Text(conversationId, "before the outage")).Status, new[] { HttpStatusCode.Created, HttpStatusCode.Accepted });
        Assert.Single(await OfferApi.Eventually(() => system.StoredMessages(conversationId), m => m.Count == 1, TimeSpan.FromSeconds(30)));

        string location;
        system.KillWorkers();
        try
        {
            using var response = await buyer.Raw(HttpMethod.Post, $"{ConversationApi.Conversations}/{conversationId}/messages",
                new { message_type = "text", content = "during the outage", client_message_id = "outage-1" });
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            var pending = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            location = response.Headers.Location!.OriginalString;
            Assert.Equal($"/api/v1/conversations/{conversationId}/messages/{pending.Id()}", location);
            Assert.Equal(("processing", location), (pending.GetProperty("status").GetString(), pending.GetProperty("location").GetString()));

            var (status, problem) = await buyer.Get(location);
            Assert.Equal((HttpStatusCode.NotFound, "message_not_found"), (status, problem.Code()));

            // Reading while the worker is away: the read is queued, and the answers already show it.
            var (readStatus, read) = await seller.Send(HttpMethod.Patch, $"{ConversationApi.Conversations}/{conversationId}/read");
            Assert.Equal((HttpStatusCode.Accepted, 0), (readStatus, read.UnreadCount()));
            var (openStatus, opened) = await seller.Get($"{ConversationApi.Conversations}/{conversationId}");
            Assert.Equal((HttpStatusCode.OK, 0), (openStatus, opened.UnreadCount()));
            Assert.All(opened.GetProperty("messages").EnumerateArray(), m => Assert.True(m.GetProperty("is_read").GetBoolean()));
        }
        finally
        {
            await system.StartWorkersAsync();
        }

        var stored = await OfferApi.Eventually(() => system.StoredMessages(conversationId), m => m.Count == 2 && m[0].IsRead,
            TimeSpan.FromSeconds(30));
        Assert.Equal(2, stored.Count);
        Assert.True(stored[0].IsRead);
        var (ok, body) = await buyer.Get(location);
        Assert.Equal(HttpStatusCode.OK, ok);
        Assert.Equal(("during the outage", "outage-1"), (body.GetProperty("content").GetString(), body.GetProperty("client_message_id").GetString()));

        // The queued read and the queued send were both applied; whatever their order, count and flags agree.
        var conversation = await OfferApi.Eventually(() => system.Stored(conversationId), c => c.UnreadCountSeller <= 1, TimeSpan.FromSeconds(30));
        stored = await system.StoredMessages(conversationId);
        Assert.Equal(stored.Count(m => !m.IsRead), conversation.UnreadCountSeller);
    }
}
