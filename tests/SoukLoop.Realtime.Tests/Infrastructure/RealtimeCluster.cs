extern alias realtime;
extern alias workers;

using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using SoukLoop.Persistence;
using SoukLoop.Persistence.Model;
using SoukLoop.ServiceDefaults;
using StackExchange.Redis;
using StackExchange.Redis.KeyspaceIsolation;
using SoukLoop.Testing;

namespace SoukLoop.Realtime.Tests.Infrastructure;

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<RealtimeCluster>
{
    public const string Name = "realtime-cluster";
}

/// <summary>
/// Two Realtime nodes (real Kestrel, child processes) forming one cluster over the Redis backplane, the Workers app
/// (offer saga) as a child process, a fresh Postgres database, a fresh RabbitMQ virtual host and a per-run Redis key and
/// channel prefix. Where the messaging consumers are not in the Workers yet, <see cref="FakeMessaging"/> answers the
/// messaging commands on the bus by the contracts.
/// </summary>
public sealed class RealtimeCluster : IAsyncLifetime
{
    public static readonly TimeSpan PresenceTimeout = TimeSpan.FromSeconds(4);
    public static readonly TimeSpan TypingTimeout = TimeSpan.FromMilliseconds(1500);

    readonly string _id = Guid.NewGuid().ToString("N")[..12];
    readonly List<AppProcess> _nodes = [];
    AppProcess? _workers;
    IBusControl? _bus;
    ConnectionMultiplexer? _redis;

    public string Database => $"souk_rt_{_id}";
    public string VirtualHost => $"souk-rt-{_id}";
    public string RedisPrefix => $"souk-rt-{_id}:";
    public string SigningKey { get; } = $"realtime-tests-{Guid.NewGuid():N}-{Guid.NewGuid():N}";
    public IReadOnlyList<AppProcess> Nodes => _nodes;
    public AppProcess Node1 => _nodes[0];
    public AppProcess Node2 => _nodes[1];
    public IBus Bus => _bus ?? throw new InvalidOperationException("The test bus is not started.");
    public FakeMessaging? Messaging { get; private set; }

    /// <summary>Redis as the Realtime nodes see it (the run's key prefix applied).</summary>
    public IDatabase Redis => _redis!.GetDatabase().WithKeyPrefix(RedisPrefix);

    static string TempLog(string name) => Path.Combine(Path.GetTempPath(), name);

    public async Task InitializeAsync()
    {
        await using (var admin = new NpgsqlConnection(TestEnvironment.DatabaseConnection("postgres")))
        {
            try { await admin.OpenAsync(); }
            catch (Exception ex)
            {
                throw new InvalidOperationException($"Postgres is not reachable at '{TestEnvironment.Postgres}'. Run the tests with scripts/test.sh.", ex);
            }
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{Database}\"", admin);
            await create.ExecuteNonQueryAsync();
        }
        await using (var db = NewDbContext())
            await db.Database.MigrateAsync();

        try
        {
            _redis = await ConnectionMultiplexer.ConnectAsync(TestEnvironment.Redis);
        }
        catch (RedisConnectionException ex)
        {
            throw new InvalidOperationException($"Redis is not reachable at '{TestEnvironment.Redis}'. Run the tests with scripts/test.sh.", ex);
        }

        await Management(HttpMethod.Put, $"/api/vhosts/{Uri.EscapeDataString(VirtualHost)}");
        await Management(HttpMethod.Put, $"/api/permissions/{Uri.EscapeDataString(VirtualHost)}/{TestEnvironment.RabbitUser}",
            """{"configure":".*","write":".*","read":".*"}""");

        _bus = MassTransit.Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(TestEnvironment.RabbitHost, (ushort)TestEnvironment.RabbitPort, VirtualHost, h =>
            {
                h.Username(TestEnvironment.RabbitUser);
                h.Password(TestEnvironment.RabbitPassword);
            });
            Messaging = FakeMessaging.ConfigureIfMissing(cfg, typeof(workers::SoukLoop.Workers.WorkersExtensions).Assembly, NewDbContext);
        });
        await _bus.StartAsync();

        var workersDll = typeof(workers::SoukLoop.Workers.WorkersExtensions).Assembly.Location;
        _workers = AppProcess.Start("Workers", workersDll, Settings(), TempLog($"souk-rt-workers-{_id}.log"));
        var realtimeDll = typeof(realtime::SoukLoop.Realtime.RealtimeExtensions).Assembly.Location;
        for (var i = 1; i <= 2; i++)
            _nodes.Add(AppProcess.Start($"Realtime node {i}", realtimeDll, Settings().Concat(RealtimeSettings()), TempLog($"souk-rt-node{i}-{_id}.log")));

        await _workers.WaitReadyAsync(() => QueueConsumersAsync("offer-state", 1), TimeSpan.FromSeconds(90));
        foreach (var node in _nodes)
            await node.WaitReadyAsync(() => QueueConsumersAsync("realtime-offer-made", _nodes.Count), TimeSpan.FromSeconds(90));
        foreach (var queue in RealtimeQueues)
            if (!await QueueConsumersAsync(queue, _nodes.Count))
                await WaitUntil(() => QueueConsumersAsync(queue, _nodes.Count), TimeSpan.FromSeconds(30), $"queue {queue} bound by both nodes");
    }

    public static readonly string[] RealtimeQueues =
    [
        "realtime-message-sent", "realtime-conversation-read", "realtime-message-read", "realtime-offer-made", "realtime-offer-countered",
        "realtime-offer-accepted", "realtime-offer-declined", "realtime-offer-withdrawn", "realtime-offer-expired"
    ];

    IEnumerable<(string Key, string Value)> Settings()
    {
        yield return ("ConnectionStrings:Postgres", TestEnvironment.DatabaseConnection(Database));
        yield return ("ConnectionStrings:Redis", TestEnvironment.Redis);
        yield return ("RabbitMq:Host", TestEnvironment.RabbitHost);
        yield return ("RabbitMq:Port", TestEnvironment.RabbitPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        yield return ("RabbitMq:VirtualHost", VirtualHost);
        yield return ("RabbitMq:Username", TestEnvironment.RabbitUser);
        yield return ("RabbitMq:Password", TestEnvironment.RabbitPassword);
        yield return ("Jwt:SigningKey", SigningKey);
        yield return ("Scheduler:PollInterval", "00:00:00.200");
        yield return ("Logging:LogLevel:Default", "Information");
    }

    IEnumerable<(string Key, string Value)> RealtimeSettings()
    {
        yield return ("Realtime:PresenceTimeout", PresenceTimeout.ToString("c"));
        yield return ("Realtime:TypingTimeout", TypingTimeout.ToString("c"));
        yield return ("Realtime:SweepInterval", "00:00:00.200");
        yield return ("Realtime:RedisKeyPrefix", RedisPrefix);
        yield return ("Realtime:BackplaneChannelPrefix", $"souk-rt-{_id}");
        // A small send budget, so the rate limit shows within a test (each test uses fresh users).
        yield return ("Messages:SendBurst", "3");
        yield return ("Messages:SendsPerMinute", "6");
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
            await node.DisposeAsync();
        if (_workers != null)
            await _workers.DisposeAsync();
        if (_bus != null)
            await _bus.StopAsync();

        if (_redis != null)
        {
            foreach (var endpoint in _redis.GetEndPoints())
            {
                var server = _redis.GetServer(endpoint);
                var keys = new List<RedisKey>();
                await foreach (var key in server.KeysAsync(pattern: RedisPrefix + "*"))
                    keys.Add(key);
                if (keys.Count > 0)
                    await _redis.GetDatabase().KeyDeleteAsync(keys.ToArray());
            }
            await _redis.DisposeAsync();
        }

        NpgsqlConnection.ClearAllPools();
        await using (var admin = new NpgsqlConnection(TestEnvironment.DatabaseConnection("postgres")))
        {
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Database}\" WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
        }
        await Management(HttpMethod.Delete, $"/api/vhosts/{Uri.EscapeDataString(VirtualHost)}");
    }

    public SoukDbContext NewDbContext()
    {
        var options = new DbContextOptionsBuilder<SoukDbContext>();
        PersistenceExtensions.Configure(options, TestEnvironment.DatabaseConnection(Database));
        return new SoukDbContext(options.Options);
    }

    /// <summary>A token the nodes accept (same signing key, issuer and audience as the Api's).</summary>
    public string TokenFor(Guid userId) =>
        new TokenService(new JwtOptions { SigningKey = SigningKey }, TimeProvider.System).Issue(userId, Roles.User);

    public async Task<Guid> CreateUserAsync(string name = "Test user")
    {
        var user = new User
        {
            Id = Guid.NewGuid(),
            Email = $"{Guid.NewGuid():N}@example.test",
            PasswordHash = "not-used",
            DisplayName = name,
            CreatedAt = DateTime.UtcNow
        };
        await using var db = NewDbContext();
        db.Users.Add(user);
        await db.SaveChangesAsync();
        return user.Id;
    }

    public async Task<Guid> CreateProductAsync(Guid sellerId, decimal price = 100m)
    {
        var product = new Product
        {
            Id = Guid.NewGuid(),
            SellerId = sellerId,
            Title = "Vintage lamp",
            Price = price,
            Currency = "USD",
            Feed = Feeds.Community,
            CreatedAt = DateTime.UtcNow,
            UpdatedAt = DateTime.UtcNow
        };
        await using var db = NewDbContext();
        db.Products.Add(product);
        await db.SaveChangesAsync();
        return product.Id;
    }

    public async Task<Guid> CreateConversationAsync(Guid buyerId, Guid sellerId, Guid? productId = null)
    {
        var conversation = new Conversation
        {
            Id = Guid.NewGuid(),
            BuyerId = buyerId,
            SellerId = sellerId,
            ProductId = productId,
            CreatedAt = DateTime.UtcNow
        };
        await using var db = NewDbContext();
        db.Conversations.Add(conversation);
        await db.SaveChangesAsync();
        return conversation.Id;
    }

    /// <summary>A connected client of <paramref name="userId"/> on <paramref name="node"/> (it has received <c>connected</c>).</summary>
    public async Task<TestClient> ConnectAsync(Guid userId, AppProcess node, string? device = null)
    {
        var client = TestClient.Create(node, TokenFor(userId), userId, device);
        await client.StartAsync();
        await client.WaitForAsync("connected");
        return client;
    }

    public async Task<int> QueueConsumerCountAsync(string queue)
    {
        using var http = ManagementClient();
        var response = await http.GetAsync($"/api/queues/{Uri.EscapeDataString(VirtualHost)}/{Uri.EscapeDataString(queue)}");
        if (!response.IsSuccessStatusCode)
            return 0;
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.TryGetProperty("consumers", out var consumers) ? consumers.GetInt32() : 0;
    }

    async Task<bool> QueueConsumersAsync(string queue, int expected) => await QueueConsumerCountAsync(queue) >= expected;

    static async Task WaitUntil(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
                return;
            await Task.Delay(200);
        }
        throw new TimeoutException($"Timed out waiting for {what}.");
    }

    static HttpClient ManagementClient() => ThrowAwayServices.RabbitManagementClient(
        TestEnvironment.RabbitHost, TestEnvironment.RabbitManagementPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        TestEnvironment.RabbitUser, TestEnvironment.RabbitPassword);

    static async Task Management(HttpMethod method, string path, string? json = null)
    {
        using var http = ManagementClient();
        await http.RabbitManagementAsync(method, path, json);
    }
}
