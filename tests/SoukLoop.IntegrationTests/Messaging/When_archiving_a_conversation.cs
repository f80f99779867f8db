using System.Net;

namespace SoukLoop.IntegrationTests.Messaging;

[Collection(MessagingCollection.Name)]
public class When_archiving_a_conversation(MessagingFixture system)
{
    [Fact]
    public async Task Should_archive_it_for_the_caller_only()
    {
        var (buyer, seller, _, conversationId) = await system.Pair();
        await buyer.Said(conversationId, "hi");

        using var response = await seller.Raw(HttpMethod.Delete, $"{ConversationApi.Conversations}/{conversationId}");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Null((await seller.Inbox()).Row(conversationId));
        Assert.Null((await seller.Inbox("unread")).Row(conversationId));
        var archived = (await seller.Inbox("archived")).Row(conversationId);
        Assert.True(archived?.GetProperty("is_archived").GetBoolean());
        var buyersRow = (await buyer.Inbox()).Row(conversationId);
        Assert.False(buyersRow?.GetProperty("is_archived").GetBoolean());
        Assert.Null((await buyer.Inbox("archived")).Row(conversationId));

        var stored = await system.Stored(conversationId);
        Assert.Equal((false, true), (stored.IsArchivedBuyer, stored.IsArchivedSeller));
        // Archiving twice is fine.
        Assert.Equal(HttpStatusCode.NoContent, (await seller.Raw(HttpMethod.Delete, $"{ConversationApi.Conversations}/{conversationId}")).StatusCode);
    }

    [Fact]
    public async Task Should_bring_it_back_when_the_other_side_writes()
    {
        var (buyer, seller, _, conversationId) = await system.Pair();
        Assert.Equal(HttpStatusCode.NoContent, (await seller.Raw(HttpMethod.Delete, $"{ConversationApi.Conversations}/{conversationId}")).StatusCode);
        Assert.Null((await seller.Inbox()).Row(conversationId));

        await buyer.Said(conversationId, "Are you still there?");

        var row = (await seller.Inbox()).Row(conversationId);
        Assert.NotNull(row);
        Assert.False(row.Value.GetProperty("is_archived").GetBoolean());
        Assert.Equal(1, row.Value.UnreadCount());
        Assert.Null((await seller.Inbox("archived")).Row(conversationId));
    }

    [Fact]
    public async Task Should_bring_it_back_when_the_caller_writes_into_it()
    {
        var (buyer, _, _, conversationId) = await system.Pair();
        Assert.Equal(HttpStatusCode.NoContent, (await buyer.Raw(HttpMethod.Delete, $"{ConversationApi.Conversations}/{conversationId}")).StatusCode);

        await buyer.Said(conversationId, "One more thing");

        Assert.NotNull((await buyer.Inbox()).Row(conversationId));
        Assert.False((await system.Stored(conversationId)).IsArchivedBuyer);
    }
}
