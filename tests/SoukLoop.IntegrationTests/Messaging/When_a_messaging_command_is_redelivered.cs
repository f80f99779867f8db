using MassTransit;
using Microsoft.EntityFrameworkCore;
using SoukLoop.Contracts;

namespace SoukLoop.IntegrationTests.Messaging;

[Collection(MessagingCollection.Name)]
public class When_a_messaging_command_is_redelivered(MessagingFixture system)
{
    [Fact]
    public async Task Should_store_a_send_delivered_twice_with_one_message_id_once_and_publish_once()
    {
        await using var probe = await EventProbe.StartAsync(system);
        var (buyer, _, _, conversationId) = await system.Pair();
        var endpoint = await probe.Bus.GetSendEndpoint(new Uri("queue:send-message"));
        var transportId = NewId.NextGuid();
        var command = new SendMessage(conversationId, NewId.NextGuid(), buyer.Id, "text", "twice on the wire", [], null);

        // The same message twice, as RabbitMQ redelivers it when a worker dies between commit and ack.
        for (var i = 0; i < 2; i++)
            await endpoint.Send(command, ctx => ctx.MessageId = transportId);

        await using var db = system.NewDbContext();
        var inbox = await OfferApi.Eventually(() => db.InboxStates.AsNoTracking().Where(i => i.MessageId == transportId).ToListAsync(),
            rows => rows.Count == 1 && rows[0].ReceiveCount >= 2 && rows[0].Delivered != null, TimeSpan.FromSeconds(20));
        Assert.True(inbox.Single().ReceiveCount >= 2, $"receive count {inbox.Single().ReceiveCount}");
        Assert.Single(await system.StoredMessages(conversationId));
        Assert.Equal(1, (await system.Stored(conversationId)).UnreadCountSeller);
        Assert.Equal(0, await db.OutboxMessages.CountAsync());
        await Task.Delay(500);
        Assert.Single(probe.Sent, e => e.MessageId == command.MessageId);
    }

    [Fact]
    public async Task Should_store_the_same_command_sent_again_under_a_new_message_id_once()
    {
        await using var probe = await EventProbe.StartAsync(system);
        var (buyer, _, _, conversationId) = await system.Pair();
        var endpoint = await probe.Bus.GetSendEndpoint(new Uri("queue:send-message"));
        var command = new SendMessage(conversationId, NewId.NextGuid(), buyer.Id, "text", "sent by a retrying client", [], null);

        await endpoint.Send(command);
        await EventProbe.Await(probe.Sent, e => e.MessageId == command.MessageId);
        var again = NewId.NextGuid();
        await endpoint.Send(command, ctx => ctx.MessageId = again);

        await using var db = system.NewDbContext();
        Assert.True(await OfferApi.Eventually(() => db.InboxStates.AsNoTracking().AnyAsync(i => i.MessageId == again && i.Consumed != null),
            done => done, TimeSpan.FromSeconds(20)));
        await Task.Delay(300);
        Assert.Single(await system.StoredMessages(conversationId));
        Assert.Equal(1, (await system.Stored(conversationId)).UnreadCountSeller);
        Assert.Single(probe.Sent, e => e.MessageId == command.MessageId);
    }
}
