using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SoukLoop.Persistence.Messaging;

namespace SoukLoop.IntegrationTests.Persistence;

public class When_several_workers_sweep_the_outbox(InProcessFixture system) : IClassFixture<InProcessFixture>
{
    [Fact]
    public async Task Should_deliver_each_message_exactly_once_and_skip_an_inbox_its_consumer_holds()
    {
        var queue = await system.ProbeQueueAsync($"probe-{Guid.NewGuid():N}");
        await using var db = system.NewDbContext();
        var probes = new List<Guid>();
        for (var i = 0; i < 10; i++)
        {
            var pair = new[] { Guid.NewGuid(), Guid.NewGuid() };
            probes.AddRange(pair);
            await When_rows_are_left_behind.LeaveOutboxRowsAsync(db, queue.Name, pair, TimeSpan.FromMinutes(2));
        }
        var held = Guid.NewGuid();
        var (heldInbox, _) = await When_rows_are_left_behind.LeaveOutboxRowsAsync(db, queue.Name, [held], TimeSpan.FromMinutes(2));

        // Its consumer is processing that message right now: it holds the inbox row (the outbox pipe's lock).
        await using var consumer = system.NewDbContext();
        await using (var transaction = await consumer.Database.BeginTransactionAsync())
        {
            await consumer.Database.ExecuteSqlAsync($"SELECT 1 FROM inbox_states WHERE message_id = {heldInbox} FOR UPDATE");

            // Three Workers sweeping at once (three sweepers, each with its own scope and connection).
            var sweepers = Enumerable.Range(0, 3).Select(_ => ActivatorUtilities.CreateInstance<OutboxSweeper>(system.Services)).ToList();
            var delivered = await Task.WhenAll(sweepers.Select(s => s.SweepAsync(CancellationToken.None)));

            Assert.Equal(probes.Count, delivered.Sum());
            await OfferApi.Eventually(() => Task.FromResult(queue.Received.Count), n => n >= probes.Count, TimeSpan.FromSeconds(20));
            await Task.Delay(500);
            Assert.Equal(probes.Order(), queue.Received.Keys.Where(k => k != held).Order());
            Assert.All(probes, p => Assert.Single(queue.Received[p]));
            Assert.False(queue.Received.ContainsKey(held), "a message whose inbox row its consumer holds was swept");
            Assert.Equal(1, await db.OutboxMessages.CountAsync());
            await transaction.RollbackAsync();
        }

        // Released (its consumer went away without delivering): the next sweep delivers it.
        Assert.Equal(1, await ActivatorUtilities.CreateInstance<OutboxSweeper>(system.Services).SweepAsync(CancellationToken.None));
        Assert.True(await queue.ArrivedAsync(held, TimeSpan.FromSeconds(10)));
        Assert.Equal(0, await db.OutboxMessages.CountAsync());
    }
}
