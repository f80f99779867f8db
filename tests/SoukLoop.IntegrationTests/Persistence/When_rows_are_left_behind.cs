using System.Collections.Concurrent;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using SoukLoop.Persistence;
using SoukLoop.Persistence.Messaging;
using SoukLoop.Persistence.Model;
using ScheduledMessage = SoukLoop.Persistence.Scheduling.ScheduledMessage;

namespace SoukLoop.IntegrationTests.Persistence;

/// <summary>What the running Workers do on their own with rows nobody else will ever touch again.</summary>
public class When_rows_are_left_behind(SystemFixture system) : IClassFixture<SystemFixture>
{
    /// <summary>Rows of a message consumed and committed whose outbox was never delivered (its inbound message is gone).</summary>
    public static async Task<(Guid InboxMessageId, List<Guid> MessageIds)> LeaveOutboxRowsAsync(SoukDbContext db, string queue,
        IEnumerable<Guid> probes, TimeSpan age)
    {
        var at = DbClock.UtcNow() - age;
        var inbox = new InboxState { MessageId = NewId.NextGuid(), ConsumerId = NewId.NextGuid(), Received = at, ReceiveCount = 1, Consumed = at };
        db.InboxStates.Add(inbox);
        var ids = new List<Guid>();
        foreach (var probe in probes)
        {
            var messageId = NewId.NextGuid();
            ids.Add(messageId);
            db.OutboxMessages.Add(new OutboxMessage
            {
                InboxMessageId = inbox.MessageId,
                InboxConsumerId = inbox.ConsumerId,
                MessageId = messageId,
                DestinationAddress = new Uri($"queue:{queue}"),
                SentTime = at,
                ContentType = "application/vnd.masstransit+json",
                MessageType = MessageUrn.ForTypeString<PersistenceProbe>(),
                Body = $$$"""{"messageId":"{{{messageId}}}","messageType":["{{{MessageUrn.ForTypeString<PersistenceProbe>()}}}"],"message":{"id":"{{{probe}}}"}}"""
            });
        }
        await db.SaveChangesAsync();
        return (inbox.MessageId, ids);
    }

    [Fact]
    public async Task Should_deliver_committed_outbox_rows_once_and_remove_them()
    {
        await using var handle = await system.BusAsync();
        var queue = $"outbox-probe-{Guid.NewGuid():N}";
        var received = new ConcurrentBag<(Guid Probe, Guid? MessageId)>();
        var endpoint = handle.Bus.ConnectReceiveEndpoint(queue, e => e.Handler<PersistenceProbe>(context =>
        {
            received.Add((context.Message.Id, context.MessageId));
            return Task.CompletedTask;
        }));
        await endpoint.Ready;

        var probes = new[] { Guid.NewGuid(), Guid.NewGuid() };
        await using var db = system.NewDbContext();
        var (inboxId, messageIds) = await LeaveOutboxRowsAsync(db, queue, probes, TimeSpan.FromMinutes(2));

        var left = await OfferApi.Eventually(() => db.OutboxMessages.AsNoTracking().CountAsync(m => m.InboxMessageId == inboxId),
            n => n == 0, TimeSpan.FromSeconds(90));
        Assert.Equal(0, left);
        await OfferApi.Eventually(() => Task.FromResult(received.Count), n => n >= 2, TimeSpan.FromSeconds(10));
        await Task.Delay(1000);
        // Each once, with the message id it was stored with (a receiver's inbox drops any later copy).
        Assert.Equal(probes.Order(), received.Select(r => r.Probe).Order());
        Assert.Equal(messageIds.Order(), received.Select(r => r.MessageId!.Value).Order());
        var inbox = await db.InboxStates.AsNoTracking().SingleAsync(i => i.MessageId == inboxId);
        Assert.NotNull(inbox.Delivered);
    }

    [Fact]
    public async Task Should_clean_up_old_rows_of_the_growing_tables_and_keep_recent_ones()
    {
        var old = DbClock.UtcNow().AddDays(-400);
        var recent = DbClock.UtcNow().AddDays(-1);
        var user = await system.CreateUserAsync();
        await using (var db = system.NewDbContext())
        {
            foreach (var (tag, at) in new[] { ("old", old), ("recent", recent) })
            {
                db.InboxStates.Add(new InboxState { MessageId = Tagged(tag, 1), ConsumerId = Guid.Empty, Received = at, ReceiveCount = 1, Consumed = at, Delivered = at });
                db.ScheduledMessages.Add(new ScheduledMessage { TokenId = Tagged(tag, 2), DueAt = at, MessageId = Guid.NewGuid(), CreatedAt = at, FiredAt = at });
                db.ScheduledMessages.Add(new ScheduledMessage { TokenId = Tagged(tag, 3), DueAt = at, MessageId = Guid.NewGuid(), CreatedAt = at, CancelledAt = at });
                db.StripeEvents.Add(new StripeEventRecord { Id = $"evt_{tag}_{Guid.NewGuid():N}", Type = "payment_intent.succeeded", ReceivedAt = at });
                db.PushDeliveries.Add(new PushDelivery { EventMessageId = Tagged(tag, 4), Token = $"token-{tag}", UserId = user.Id, Kind = "test", ClaimedAt = at, SentAt = at });
            }
            // Still to fire: never cleaned up, however old its creation.
            db.ScheduledMessages.Add(new ScheduledMessage { TokenId = Tagged("old", 5), DueAt = DateTime.UtcNow.AddDays(1), MessageId = Guid.NewGuid(), CreatedAt = old.AddSeconds(-1) });
            await db.SaveChangesAsync();
        }

        // The Workers clean up when they start and then periodically.
        system.KillWorkers();
        await system.StartWorkersAsync();

        await using var check = system.NewDbContext();
        var remaining = await OfferApi.Eventually(() => CountsAsync(check, old), counts => counts.All(c => c == 0), TimeSpan.FromSeconds(60));
        Assert.Equal(new[] { 0, 0, 0, 0 }, remaining);
        Assert.Equal(new[] { 1, 2, 1, 1 }, await CountsAsync(check, recent));
        Assert.True(await check.ScheduledMessages.AnyAsync(s => s.TokenId == Tagged("old", 5)));
    }

    static async Task<int[]> CountsAsync(SoukDbContext db, DateTime at)
    {
        var inbox = await db.InboxStates.CountAsync(i => i.Received == at);
        var scheduled = await db.ScheduledMessages.CountAsync(s => s.CreatedAt == at);
        var stripe = await db.StripeEvents.CountAsync(e => e.ReceivedAt == at);
        var push = await db.PushDeliveries.CountAsync(p => p.ClaimedAt == at);
        return new[] { inbox, scheduled, stripe, push };
    }

    /// <summary>A fixed id per tag and kind, so the rows are easy to find again.</summary>
    static Guid Tagged(string tag, int kind) => new($"{(tag == "old" ? 0 : 1):x8}-0000-0000-0000-{kind:x12}");
}
