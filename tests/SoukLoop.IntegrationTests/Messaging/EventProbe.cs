using System.Collections.Concurrent;
using MassTransit;
using SoukLoop.Contracts;

namespace SoukLoop.IntegrationTests.Messaging;

/// <summary>Listens on the fixture's virtual host for the events the Realtime node consumes, as a test-only subscriber.</summary>
public sealed class EventProbe : IAsyncDisposable
{
    readonly IBusControl _bus;

    EventProbe(IBusControl bus) => _bus = bus;

    public ConcurrentQueue<MessageSent> Sent { get; } = new();
    public ConcurrentQueue<ConversationRead> ConversationsRead { get; } = new();
    public ConcurrentQueue<MessageRead> MessagesRead { get; } = new();

    public IBus Bus => _bus;

    public static async Task<EventProbe> StartAsync(SystemFixture system)
    {
        EventProbe? probe = null;
        var bus = MassTransit.Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(TestEnvironment.RabbitHost, ushort.Parse(TestEnvironment.RabbitPort), system.VirtualHost, h =>
            {
                h.Username(TestEnvironment.RabbitUser);
                h.Password(TestEnvironment.RabbitPassword);
            });
            cfg.ReceiveEndpoint($"probe-{Guid.NewGuid():N}", e =>
            {
                e.AutoDelete = true;
                e.Durable = false;
                e.Handler<MessageSent>(ctx => Record(probe!.Sent, ctx.Message));
                e.Handler<ConversationRead>(ctx => Record(probe!.ConversationsRead, ctx.Message));
                e.Handler<MessageRead>(ctx => Record(probe!.MessagesRead, ctx.Message));
            });
        });
        probe = new EventProbe(bus);
        await bus.StartAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        return probe;
    }

    static Task Record<T>(ConcurrentQueue<T> queue, T message)
    {
        queue.Enqueue(message);
        return Task.CompletedTask;
    }

    /// <summary>Waits until <paramref name="count"/> events match (or the timeout passes) and returns the matches.</summary>
    public static async Task<List<T>> Await<T>(ConcurrentQueue<T> queue, Func<T, bool> match, int count = 1, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var matches = queue.Where(match).ToList();
            if (matches.Count >= count || DateTime.UtcNow > deadline)
                return matches;
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync() => await _bus.StopAsync();
}
