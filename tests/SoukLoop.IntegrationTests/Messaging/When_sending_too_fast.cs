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
        // Starting the conversation is a send too: one of the three.
        var conversationId = await buyer.NewConversation(seller, product.Id);
        Assert.Equal(HttpStatusCode.Created, (await buyer.Text(conversationId, "one")).Status);
        Assert.Equal(HttpStatusCode.Created, (await buyer.Text(conversationId, "two")).Status);

        using var limited = await buyer.Raw(HttpMethod.Post, $"{ConversationApi.Conversations}/{conversationId}/messages",
            new { message_type = "text", content = "three" });

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
        var problem = System.Text.Json.JsonDocument.Parse(await limited.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(("rate_limited", 429), (problem.Code(), problem.GetProperty("status").GetInt32()));
        var retryAfter = limited.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value.TotalSeconds, 1, 10);
        Assert.Equal(2, (await system.StoredMessages(conversationId)).Count);

        // The budget is the sender's own: the seller still answers, and reads are never limited.
        Assert.Equal(HttpStatusCode.Created, (await seller.Text(conversationId, "go ahead")).Status);
        Assert.Equal(HttpStatusCode.OK, (await buyer.Get($"{ConversationApi.Conversations}/{conversationId}/messages")).Status);

        await Task.Delay(retryAfter.Value + TimeSpan.FromMilliseconds(300));
        Assert.Equal(HttpStatusCode.Created, (await buyer.Text(conversationId, "three, later")).Status);
    }
}
