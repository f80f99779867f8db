using System.Collections.Concurrent;
using MassTransit;
using MassTransit.Scheduling;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SoukLoop.Persistence;
using SoukLoop.Persistence.Scheduling;
using SoukLoop.ServiceDefaults;

namespace SoukLoop.IntegrationTests.Persistence;

/// <summary>A message the persistence tests send through the scheduler and the outbox, and count where it arrives.</summary>
public record PersistenceProbe(Guid Id);

/// <summary>An app clock that runs ahead or behind the real one (the database's), as a badly synchronised Workers machine does.</summary>
public sealed class SkewedClock : TimeProvider
{
    public TimeSpan Offset { get; set; }
    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;
}

/// <summary>
/// Our persistence pieces (scheduler, outbox sweeper, cleanup) in the test process with the production messaging setup
/// (<see cref="MessagingExtensions.AddSoukMessaging"/>, production defaults), on a fresh database and virtual host. No hosted
/// service runs: a test calls the pieces itself, so it decides when a pass happens.
/// </summary>
public class InProcessFixture : IAsyncLifetime
{
    readonly string _id = Guid.NewGuid().ToString("N")[..12];
    ServiceProvider? _services;

    public string Database => $"souk_ip_{_id}";
    public string VirtualHost => $"souk-ip-{_id}";
    public string ConnectionString => TestEnvironment.DatabaseConnection(Database);
    public SkewedClock Clock { get; } = new();
    public IServiceProvider Services => _services!;
    public IBusControl Bus { get; private set; } = null!;

    /// <summary>The database the apps in this process use (a fixture may point it elsewhere, e.g. to a server that is down).</summary>
    protected virtual string AppConnectionString => ConnectionString;

    /// <summary>Documented options a derived fixture sets (e.g. a shorter Scheduler:StoreRetryIntervals).</summary>
    protected virtual IEnumerable<KeyValuePair<string, string?>> Settings => [];

    /// <summary>Consumers a derived fixture adds to the bus.</summary>
    protected virtual void Register(IBusRegistrationConfigurator x)
    {
    }

    public async Task InitializeAsync()
    {
        await ThrowAwayStore.CreateAsync(Database, VirtualHost);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = AppConnectionString,
            ["RabbitMq:Host"] = TestEnvironment.RabbitHost,
            ["RabbitMq:Port"] = TestEnvironment.RabbitPort,
            ["RabbitMq:VirtualHost"] = VirtualHost,
            ["RabbitMq:Username"] = TestEnvironment.RabbitUser,
            ["RabbitMq:Password"] = TestEnvironment.RabbitPassword,
        }).AddInMemoryCollection(Settings).Build();

        var services = new ServiceCollection();
        services.AddLogging(b => b.AddSimpleConsole(o => o.SingleLine = true));
        services.AddSingleton<TimeProvider>(Clock);
        services.AddSoukPersistence(configuration);
        services.AddSoukMessaging(configuration, x =>
        {
            x.AddPostgresScheduler(configuration);
            Register(x);
        });
        _services = services.BuildServiceProvider();
        Bus = _services.GetRequiredService<IBusControl>();
        await Bus.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await Bus.StopAsync();
        if (_services != null)
            await _services.DisposeAsync();
        await ThrowAwayStore.DropAsync(Database, VirtualHost);
    }

    public SoukDbContext NewDbContext() => ThrowAwayStore.NewDbContext(ConnectionString);

    public HttpClient ManagementClient() => ThrowAwayStore.ManagementClient();

    public ScheduledMessageDispatcher Dispatcher => Services.GetRequiredService<ScheduledMessageDispatcher>();

    /// <summary>Schedules a probe the way a saga does (MassTransit's publish scheduler → our scheduler consumer) and waits for its row.</summary>
    public async Task<Guid> ScheduleAsync(Uri destination, DateTime dueAt, PersistenceProbe probe)
    {
        IMessageScheduler scheduler = new MessageScheduler(new PublishScheduleMessageProvider(Bus), Bus.Topology);
        var scheduled = await scheduler.ScheduleSend(destination, dueAt, probe);
        await using var db = NewDbContext();
        var stored = await OfferApi.Eventually(() => db.ScheduledMessages.AsNoTracking().AnyAsync(s => s.TokenId == scheduled.TokenId),
            found => found, TimeSpan.FromSeconds(20));
        Assert.True(stored, "the scheduler consumer did not store the schedule");
        return scheduled.TokenId;
    }

    /// <summary>A queue with a consumer that records every probe it receives (probe id → transport message ids).</summary>
    public async Task<ProbeQueue> ProbeQueueAsync(string name)
    {
        var queue = new ProbeQueue(name);
        var handle = Bus.ConnectReceiveEndpoint(name, e => e.Handler<PersistenceProbe>(context =>
        {
            queue.Received.GetOrAdd(context.Message.Id, _ => new ConcurrentBag<Guid?>()).Add(context.MessageId);
            return Task.CompletedTask;
        }));
        await handle.Ready;
        return queue;
    }
}

public sealed class ProbeQueue(string name)
{
    public string Name => name;
    public Uri Address => new($"queue:{name}");
    public ConcurrentDictionary<Guid, ConcurrentBag<Guid?>> Received { get; } = new();

    public Task<bool> ArrivedAsync(Guid probe, TimeSpan within) =>
        OfferApi.Eventually(() => Task.FromResult(Received.ContainsKey(probe)), arrived => arrived, within);
}
