using System.Net;
using System.Text.Json;
using SoukLoop.Persistence.Model;

namespace SoukLoop.IntegrationTests.Messaging;

[Collection(MessagingCollection.Name)]
public class When_paging_messages(MessagingFixture system)
{
    [Fact]
    public async Task Should_page_through_250_messages_newest_first_without_gap_or_duplicate()
    {
        var (buyer, seller, _, conversationId) = await system.Pair();
        // Both sides write, eight at a time: some messages share a timestamp's neighbourhood, ties break on the id.
        var sent = new List<Guid>();
        for (var batch = 0; batch < 250; batch += 10)
        {
            var answers = await Task.WhenAll(Enumerable.Range(batch, Math.Min(10, 250 - batch))
                .Select(i => (i % 3 == 0 ? seller : buyer).Said(conversationId, $"message {i}")));
            sent.AddRange(answers.Select(a => a.Id()));
        }

        var (seen, pages) = await ReadAll(buyer, conversationId, limit: 100);
        Assert.Equal([100, 100, 50], pages);
        Assert.Equal(250, seen.Count);
        Assert.Equal(250, seen.Select(m => m.Id()).Distinct().Count());
        Assert.Equal(sent.Order(), seen.Select(m => m.Id()).Order());

        var stored = await system.StoredMessages(conversationId);
        Assert.Equal(stored.Select(m => m.Id).Reverse(), seen.Select(m => m.Id()));

        // The default page is 50.
        (_, pages) = await ReadAll(buyer, conversationId, limit: null);
        Assert.Equal([50, 50, 50, 50, 50], pages);
    }

    [Fact]
    public async Task Should_break_ties_of_created_at_by_id()
    {
        var (buyer, seller, _, conversationId) = await system.Pair();
        var at = DateTime.UtcNow.AddMinutes(-5);
        at = new DateTime(at.Ticks - at.Ticks % 10, DateTimeKind.Utc);
        await using (var db = system.NewDbContext())
        {
            for (var i = 0; i < 30; i++)
                db.Messages.Add(new Message
                {
                    Id = Guid.NewGuid(), ConversationId = conversationId, SenderId = i % 2 == 0 ? buyer.Id : seller.Id,
                    MessageType = MessageTypes.Text, Content = $"same time {i}", CreatedAt = at
                });
            await db.SaveChangesAsync();
        }

        var (seen, pages) = await ReadAll(seller, conversationId, limit: 7);

        Assert.Equal([7, 7, 7, 7, 2], pages);
        Assert.Equal(30, seen.Select(m => m.Id()).Distinct().Count());
    }

    [Fact]
    public async Task Should_refuse_limits_outside_1_to_100_and_malformed_cursors()
    {
        var (buyer, _, _, conversationId) = await system.Pair();
        var path = $"{ConversationApi.Conversations}/{conversationId}/messages";

        foreach (var (query, field) in new[] { ("limit=0", "limit"), ("limit=101", "limit"), ("before_message_id=not-a-uuid", "before_message_id") })
        {
            var (status, problem) = await buyer.Get($"{path}?{query}");
            Assert.Equal((HttpStatusCode.BadRequest, "validation_failed"), (status, problem.Code()));
            Assert.NotEmpty(problem.Fields(field));
        }

        var (ok, page) = await buyer.Get($"{path}?limit=100");
        Assert.Equal(HttpStatusCode.OK, ok);
        Assert.Equal(JsonValueKind.Null, page.GetProperty("next_cursor").ValueKind);
    }

    [Fact]
    public async Task Should_answer_404_for_a_cursor_that_is_not_a_message_of_this_conversation()
    {
        var (buyer, seller, _, conversationId) = await system.Pair();
        await buyer.Said(conversationId, "here");
        // Another conversation the caller is in, and one the caller is not in.
        var otherSeller = await system.CreateUserAsync();
        var own = await buyer.NewConversation(otherSeller, (await system.CreateProductAsync(otherSeller)).Id);
        var ownMessage = (await buyer.Said(own, "elsewhere")).Id();
        var (_, _, _, foreign) = await system.Pair();
        var strangersMessage = Guid.NewGuid();
        await using (var db = system.NewDbContext())
        {
            var row = await system.Stored(foreign);
            db.Messages.Add(new Message { Id = strangersMessage, ConversationId = foreign, SenderId = row.BuyerId, Content = "x", CreatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
        }

        foreach (var cursor in new[] { ownMessage, strangersMessage, Guid.NewGuid() })
        {
            var (status, problem) = await buyer.Get($"{ConversationApi.Conversations}/{conversationId}/messages?before_message_id={cursor}");
            Assert.Equal((HttpStatusCode.NotFound, "conversation_not_found"), (status, problem.Code()));
        }
        _ = seller;
    }

    static async Task<(List<JsonElement> Messages, List<int> Pages)> ReadAll(TestUser user, Guid conversationId, int? limit)
    {
        var messages = new List<JsonElement>();
        var pages = new List<int>();
        string? cursor = null;
        do
        {
            var query = string.Join("&", new[] { limit is null ? null : $"limit={limit}", cursor is null ? null : $"before_message_id={cursor}" }
                .Where(q => q is not null));
            var (status, page) = await user.Get($"{ConversationApi.Conversations}/{conversationId}/messages?{query}");
            Assert.True(status == HttpStatusCode.OK, $"page: {(int)status} {page}");
            var items = page.GetProperty("items").EnumerateArray().ToList();
            pages.Add(items.Count);
            messages.AddRange(items);
            cursor = page.GetProperty("next_cursor").ValueKind == JsonValueKind.Null ? null : page.GetProperty("next_cursor").GetString();
            Assert.True(pages.Count < 100, "the cursor never ends");
        } while (cursor is not null);

        // Newest first: (created_at, id) strictly decreasing across all pages.
        var keys = messages.Select(m => (m.GetProperty("created_at").GetDateTime(), m.Id())).ToList();
        for (var i = 1; i < keys.Count; i++)
            Assert.True(keys[i - 1].Item1 > keys[i].Item1 || (keys[i - 1].Item1 == keys[i].Item1 && Compare(keys[i - 1].Item2, keys[i].Item2) > 0),
                $"order broken at {i}");
        return (messages, pages);
    }

    /// <summary>Postgres orders uuids by their bytes as written: the same as ordinal order of the canonical string.</summary>
    static int Compare(Guid a, Guid b) => string.CompareOrdinal(a.ToString(), b.ToString());
}
