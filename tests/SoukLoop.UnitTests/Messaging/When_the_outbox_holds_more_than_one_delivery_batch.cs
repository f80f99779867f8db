using System.Collections.Concurrent;
using MassTransit;
using MassTransit.Middleware;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SoukLoop.Persistence;
using SoukLoop.Persistence.Messaging;
using SoukLoop.Persistence.Sagas;
using SoukLoop.UnitTests.Infrastructure;

namespace SoukLoop.UnitTests.Messaging;

public record FanOut(Guid Id, int Count);

public record FannedOut(Guid Id, int Index);

/// <summary>Publishes <see cref="FanOut.Count"/> messages behind the Postgres outbox, as the sale's "close the other offers" does.</summary>
public class FanOutConsumer : IConsumer<FanOut>
{
    public async Task Consume(ConsumeContext<FanOut> context)
    {
        for (var i = 0; i < context.Message.Count; i++)
            await context.Publish(new FannedOut(context.Message.Id, i));
    }
}

public class FannedOutRecorder(ConcurrentQueue<(int Index, Guid? MessageId)> received) : IConsumer<FannedOut>
{
    public Task Consume(ConsumeContext<FannedOut> context)
    {
        received.Enqueue((context.Message.Index, context.MessageId));
        return Task.CompletedTask;
    }
}

/// <summary>
/// The outbox sends at most 100 stored messages per pass (its delivery limit) and carries on where it stopped, so one
/// inbound message that produced more than that delivers every one exactly once, then removes them.
/// </summary>
public class When_the_outbox_holds_more_than_one_delivery_batch(PostgresDatabase database) : IClassFixture<PostgresDatabase>, IAsyncLifetime
{
    const int Count = 250;
    readonly ConcurrentQueue<(int Index, Guid? MessageId)> _received = new();
    ServiceProvider _provider = null!;
    IBusControl _bus = null!;

    public async Task InitializeAsync()
    {
        var services = new ServiceCollection();
        services.AddDbContext<SoukDbContext>(o => PersistenceExtensions.Configure(o, database.ConnectionString));
        services.AddScoped<IOutboxContextFactory<SoukDbContext>, PostgresOutboxContextFactory>();
        services.AddSingleton(_received);
        services.AddMassTransit(x =>
        {
            x.AddConsumer<FanOutConsumer>().ExcludeFromConfigureEndpoints();
            x.AddConsumer<FannedOutRecorder>();
            x.UsingInMemory((context, cfg) =>
            {
                cfg.ReceiveEndpoint("fan-out", e =>
                {
                    e.UsePostgresOutbox(context);
                    e.ConfigureConsumer<FanOutConsumer>(context);
                });
                cfg.ConfigureEndpoints(context);
            });
        });
        _provider = services.BuildServiceProvider();
        _bus = _provider.GetRequiredService<IBusControl>();
        await _bus.StartAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
    }

    public async Task DisposeAsync()
    {
        await _bus.StopAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
        await _provider.DisposeAsync();
    }

    [Fact]
    public async Task Should_deliver_every_stored_message_exactly_once_and_remove_them()
    {
        var messageId = NewId.NextGuid();
        var endpoint = await _bus.GetSendEndpoint(new Uri("queue:fan-out"));
        await endpoint.Send(new FanOut(Guid.NewGuid(), Count), ctx => ctx.MessageId = messageId);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (_received.Count < Count && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        // Long enough for a pass that reloads delivered rows to send some of them again.
        await Task.Delay(TimeSpan.FromSeconds(1));

        var received = _received.ToArray();
        Assert.Equal(Enumerable.Range(0, Count), received.Select(r => r.Index).Order());
        Assert.Equal(Count, received.Select(r => r.MessageId).Distinct().Count());
        await using var db = database.NewDbContext();
        Assert.Equal(0, await db.OutboxMessages.CountAsync(m => m.InboxMessageId == messageId));
        var inbox = await db.InboxStates.AsNoTracking().SingleAsync(i => i.MessageId == messageId);
        Assert.NotNull(inbox.Delivered);
        Assert.Equal(1, inbox.ReceiveCount);
    }
}
