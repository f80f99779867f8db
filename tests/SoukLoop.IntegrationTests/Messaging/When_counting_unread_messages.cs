using System.Net;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using SoukLoop.Contracts;

namespace SoukLoop.IntegrationTests.Messaging;

[Collection(MessagingCollection.Name)]
public class When_counting_unread_messages(MessagingFixture system)
{
    [Fact]
    public async Task Should_count_exactly_50_concurrent_sends()
    {
        var (buyer, seller, _, conversationId) = await system.Pair();

        var answers = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => buyer.TextSettled(conversationId, $"#{i}")));

        Assert.All(answers, a => Assert.True(a.Status is HttpStatusCode.Created or HttpStatusCode.OK, $"{(int)a.Status} {a.Body}"));
        var conversation = await system.Stored(conversationId);
        Assert.Equal((0, 50), (conversation.UnreadCountBuyer, conversation.UnreadCountSeller));
        Assert.Equal(50, (await system.StoredMessages(conversationId)).Count);
        Assert.Equal(50, (await seller.Inbox()).Row(conversationId)!.Value.UnreadCount());
        Assert.Equal(0, (await buyer.Inbox()).Row(conversationId)!.Value.UnreadCount());
    }

    [Fact]
    public async Task Should_leave_one_unread_when_a_read_comes_between_two_messages()
    {
        var (buyer, seller, _, conversationId) = await system.Pair();

        await buyer.Said(conversationId, "one");
        var (status, body) = await seller.ReadSettled(conversationId);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(0, body.UnreadCount());
        await buyer.Said(conversationId, "two");

        Assert.Equal(1, (await system.Stored(conversationId)).UnreadCountSeller);
        var messages = await system.StoredMessages(conversationId);
        Assert.Equal([true, false], messages.Select(m => m.IsRead));
    }

    [Fact]
    public async Task Should_keep_the_count_equal_to_the_unread_messages_when_reads_race_with_sends()
    {
        var (buyer, seller, _, conversationId) = await system.Pair();

        var sends = Enumerable.Range(0, 30).Select(i => buyer.TextSettled(conversationId, $"#{i}")).ToList();
        var reads = Enumerable.Range(0, 5).Select(async i =>
        {
            await Task.Delay(20 * i);
            return await seller.ReadSettled(conversationId);
        }).ToList();
        await Task.WhenAll(sends.Cast<Task>().Concat(reads));

        Assert.All(sends, s => Assert.True(s.Result.Status is HttpStatusCode.Created or HttpStatusCode.OK, $"{(int)s.Result.Status} {s.Result.Body}"));
        Assert.All(reads, r => Assert.Equal(HttpStatusCode.OK, r.Result.Status));
        var conversation = await system.Stored(conversationId);
        var unread = (await system.StoredMessages(conversationId)).Count(m => !m.IsRead);
        Assert.Equal(unread, conversation.UnreadCountSeller);
        Assert.InRange(conversation.UnreadCountSeller, 0, 30);
    }

    [Fact]
    public async Task Should_mark_read_and_reset_on_opening_the_conversation_and_publish_messages_read()
    {
        await using var probe = await EventProbe.StartAsync(system);
        var (buyer, seller, _, conversationId) = await system.Pair();
        await buyer.Said(conversationId, "one");
        await buyer.Said(conversationId, "two");
        await seller.Said(conversationId, "answer");

        var (status, detail) = await seller.Get($"{ConversationApi.Conversations}/{conversationId}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(0, detail.UnreadCount());
        var messages = detail.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(3, messages.Count);
        Assert.All(messages.Where(m => m.GetProperty("sender_id").GetGuid() == buyer.Id), m => Assert.True(m.GetProperty("is_read").GetBoolean()));
        Assert.False(messages.Single(m => m.GetProperty("sender_id").GetGuid() == seller.Id).GetProperty("is_read").GetBoolean());

        var conversation = await system.Stored(conversationId);
        Assert.Equal((1, 0), (conversation.UnreadCountBuyer, conversation.UnreadCountSeller));
        var read = Assert.Single(await EventProbe.Await(probe.ConversationsRead, e => e.ConversationId == conversationId));
        Assert.Equal((seller.Id, buyer.Id), (read.ReaderId, read.OtherUserId));
        Assert.All((await system.StoredMessages(conversationId)).Where(m => m.SenderId == buyer.Id), m => Assert.Equal(read.ReadAt, m.ReadAt));
    }

    [Fact]
    public async Task Should_reset_on_patch_read_and_publish_messages_read_to_the_other_user()
    {
        await using var probe = await EventProbe.StartAsync(system);
        var (buyer, seller, _, conversationId) = await system.Pair();
        await seller.Said(conversationId, "Still interested?");

        var (status, body) = await buyer.Send(HttpMethod.Patch, $"{ConversationApi.Conversations}/{conversationId}/read");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("""{"unread_count":0}""", body.ToString());
        Assert.Equal(0, (await system.Stored(conversationId)).UnreadCountBuyer);
        var read = Assert.Single(await EventProbe.Await(probe.ConversationsRead, e => e.ConversationId == conversationId));
        Assert.Equal((buyer.Id, seller.Id), (read.ReaderId, read.OtherUserId));
        Assert.True((await system.StoredMessages(conversationId)).Single().IsRead);
    }

    [Fact]
    public async Task Should_take_one_off_for_a_single_read_message_and_never_go_below_zero()
    {
        await using var probe = await EventProbe.StartAsync(system);
        var (buyer, seller, _, conversationId) = await system.Pair();
        var first = (await buyer.Said(conversationId, "one")).Id();
        var second = (await buyer.Said(conversationId, "two")).Id();
        var endpoint = await probe.Bus.GetSendEndpoint(new Uri("queue:mark-message-read"));

        await Consumed(endpoint, new MarkMessageRead(first, seller.Id));
        var receipt = Assert.Single(await EventProbe.Await(probe.MessagesRead, e => e.MessageId == first));
        Assert.Equal((conversationId, seller.Id, buyer.Id), (receipt.ConversationId, receipt.ReaderId, receipt.SenderId));
        Assert.Equal(1, (await system.Stored(conversationId)).UnreadCountSeller);

        // Again, by the sender themselves, and by a stranger: nothing changes.
        var stranger = await system.CreateUserAsync();
        await Consumed(endpoint, new MarkMessageRead(first, seller.Id));
        await Consumed(endpoint, new MarkMessageRead(second, buyer.Id));
        await Consumed(endpoint, new MarkMessageRead(second, stranger.Id));
        Assert.Equal(1, (await system.Stored(conversationId)).UnreadCountSeller);
        Assert.False((await system.StoredMessages(conversationId)).Single(m => m.Id == second).IsRead);

        // Read all, then the single message again: still 0, never negative.
        Assert.Equal(HttpStatusCode.OK, (await seller.Send(HttpMethod.Patch, $"{ConversationApi.Conversations}/{conversationId}/read")).Status);
        await Consumed(endpoint, new MarkMessageRead(second, seller.Id));
        Assert.Equal(HttpStatusCode.OK, (await seller.Send(HttpMethod.Patch, $"{ConversationApi.Conversations}/{conversationId}/read")).Status);
        Assert.Equal((0, 0), ((await system.Stored(conversationId)).UnreadCountSeller, (await system.Stored(conversationId)).UnreadCountBuyer));
        await Task.Delay(300);
        Assert.Single(probe.MessagesRead, e => e.ConversationId == conversationId);
    }

    /// <summary>Sends the command with a known message id and waits until the worker's inbox has it consumed.</summary>
    async Task Consumed<T>(ISendEndpoint endpoint, T command) where T : class
    {
        var messageId = NewId.NextGuid();
        await endpoint.Send(command, ctx => ctx.MessageId = messageId);
        await using var db = system.NewDbContext();
        var consumed = await OfferApi.Eventually(() => db.InboxStates.AsNoTracking().AnyAsync(i => i.MessageId == messageId && i.Consumed != null),
            done => done, TimeSpan.FromSeconds(20));
        Assert.True(consumed, $"{typeof(T).Name} was not consumed");
    }
}
