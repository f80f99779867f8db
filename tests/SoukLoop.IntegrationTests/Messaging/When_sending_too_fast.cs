using System.Net;

namespace SoukLoop.IntegrationTests.Messaging;

public class When_sending_too_fast(RateLimitedFixture system) : IClassFixture<RateLimitedFixture>
{
    [Fact]
    public async Task Should_answer_429_rate_limited_with_retry_after_past_the_burst_per_user()
    {
        var seller = await system.CreateUserAsync();
        var buyer = await system.CreateUserAsync();
        var product = await system.CreateProductAsync(seller);
        // Starting the conversation is a send too: one of the three the bucket holds.
        var conversationId = await buyer.NewConversation(seller, product.Id);

        var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(async i =>
        {
            var response = await buyer.Raw(HttpMethod.Post, $"{ConversationApi.Conversations}/{conversationId}/messages",
                new { message_type = "text", content = $"burst {i}" });
            var body = await response.Content.ReadAsStringAsync();
            return (response.StatusCode, response.Headers.RetryAfter?.Delta, response.Content.Headers.ContentType?.MediaType, body);
        }));

        var created = answers.Count(a => a.StatusCode == HttpStatusCode.Created);
        var limited = answers.Where(a => a.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        // Two tokens left, plus one if a refill (every 10 s) falls into the burst.
        Assert.InRange(created, 1, 3);
        Assert.Equal(10 - created, limited.Count);
        Assert.Equal(created, (await system.StoredMessages(conversationId)).Count);
        foreach (var (_, retryAfter, mediaType, body) in limited)
        {
            Assert.Equal("application/problem+json", mediaType);
            var problem = System.Text.Json.JsonDocument.Parse(body).RootElement;
            Assert.Equal(("rate_limited", 429), (problem.Code(), problem.GetProperty("status").GetInt32()));
            Assert.NotNull(retryAfter);
            Assert.InRange(retryAfter.Value.TotalSeconds, 1, 10);
        }

        // The budget is the sender's own: the seller still answers, and reads are never limited.
        await seller.Said(conversationId, "go ahead");
        Assert.Equal(HttpStatusCode.OK, (await buyer.Get($"{ConversationApi.Conversations}/{conversationId}/messages")).Status);

        // After Retry-After the buyer may send again.
        using var again = await buyer.Raw(HttpMethod.Post, $"{ConversationApi.Conversations}/{conversationId}/messages",
            new { message_type = "text", content = "probe" });
        if (again.StatusCode == HttpStatusCode.TooManyRequests)
        {
            await Task.Delay(again.Headers.RetryAfter!.Delta!.Value + TimeSpan.FromMilliseconds(300));
            await buyer.Said(conversationId, "later");
        }
        else
            Assert.True(again.StatusCode is HttpStatusCode.Created or HttpStatusCode.Accepted, $"{(int)again.StatusCode}");
    }
}
