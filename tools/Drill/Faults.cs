using System.Diagnostics;

namespace SoukLoop.Drill;

/// <summary>One injected fault and what the drill measured around it.</summary>
public sealed class FaultResult
{
    public required string Name { get; init; }
    public required string What { get; init; }
    public DateTime InjectedAt { get; init; }
    /// <summary>Seconds from injection until the fault was undone (process restarted, server started, process resumed).</summary>
    public double OutageSeconds { get; set; }
    /// <summary>Seconds from injection until the probe succeeded again (null: it never did within the limit).</summary>
    public double? RecoverSeconds { get; set; }
    public DateTime WindowEnd { get; set; }
    public int Operations, Answered, Lost, Doubled, FailedVisible;
}

/// <summary>
/// An end-to-end probe: a chat message over REST answered 201/200 (Api → RabbitMQ → Workers → Postgres and back) and a fresh
/// SignalR connection to the Realtime node. "Recovered" is the first instant both work again.
/// </summary>
public sealed class Probe(ApiClient api, CommandLedger ledger, DrillOptions options, ILoggerFactory loggers)
{
    DrillUser? _from;
    Guid _conversation;

    public async Task InitAsync(Scenario scenario, CancellationToken ct)
    {
        _from = await scenario.RegisterAsync("probe", withHub: false, ct);
        var other = await scenario.RegisterAsync("probe-peer", withHub: false, ct);
        var started = await api.GetAsync(_from.Token, "/api/v1/users/me", ct);
        if (!started.Ok)
            throw new InvalidOperationException($"probe user: {started.Status}");
        var record = ledger.Begin("conversation", "/api/v1/conversations", _from.Id, Guid.NewGuid().ToString("N"));
        var conversation = await api.CommandAsync(record, _from.Token, HttpMethod.Post, new { other_user_id = other.Id }, ct);
        if (!conversation.Ok)
            throw new InvalidOperationException($"probe conversation: {conversation.Status} {conversation.Body?.ToJsonString()}");
        _conversation = Guid.Parse((string)conversation.Body!["id"]!);
        _from.Conversations.TryAdd(_conversation, 0);
    }

    public async Task<bool> PassesAsync(CancellationToken ct)
    {
        var cmid = $"drill-probe-{Guid.NewGuid():N}";
        var content = $"drill probe {cmid}";
        var record = ledger.Begin("probe", $"/api/v1/conversations/{_conversation}/messages", _from!.Id, Guid.NewGuid().ToString("N"), cmid,
            _conversation, content);
        record.Attempts = 1;
        var answer = await api.TryOnceAsync(_from.Token, HttpMethod.Post, record.Path,
            new { message_type = "text", content, client_message_id = cmid }, ct);
        CommandLedger.Finish(record, answer.Status, answer.Body);
        if (answer.Status is not (200 or 201))
            return false;
        await using var hub = new HubClient(options.RealtimeUrl, _from.Token, loggers.CreateLogger("SoukLoop.Drill.Probe"));
        var connect = hub.StartAsync();
        await Task.WhenAny(connect, Task.Delay(TimeSpan.FromSeconds(5), ct));
        return hub.Connected && await hub.HeartbeatAsync();
    }

    public async Task<double?> TimeToPassAsync(Stopwatch since, TimeSpan limit, CancellationToken ct)
    {
        while (since.Elapsed < limit && !ct.IsCancellationRequested)
        {
            if (await PassesAsync(ct))
                return since.Elapsed.TotalSeconds;
            await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
        }
        return null;
    }
}

/// <summary>
/// The faults of issue 12, one after another, each followed by recovery time: kill -9 of Workers, Api and Realtime (each
/// restarted at once, as a supervisor would), a RabbitMQ restart, Postgres stopped for 30 s, the Workers paused for 20 s.
/// </summary>
public sealed class FaultInjector(AppProcesses apps, ServiceControl services, Probe probe, DrillOptions options, ILogger<FaultInjector> logger)
{
    static readonly TimeSpan RecoverLimit = TimeSpan.FromMinutes(5);

    public IReadOnlyList<(string Name, string What, Func<CancellationToken, Task> Inject)> Faults =>
    [
        ("workers-kill-9", "kill -9 of Workers, restarted", ct => Restart(apps.Workers, ct)),
        ("api-kill-9", "kill -9 of Api, restarted", ct => Restart(apps.Api, ct)),
        ("realtime-kill-9", "kill -9 of Realtime, restarted", ct => Restart(apps.Realtime, ct)),
        ("rabbitmq-restart", "RabbitMQ stopped and started", async _ =>
        {
            await services.StopAsync("rabbitmq");
            await services.StartAsync("rabbitmq");
        }),
        ("postgres-down-30s", $"Postgres stopped for {options.PostgresDown.TotalSeconds:0} s", async ct =>
        {
            await services.StopAsync("postgres");
            await Task.Delay(options.PostgresDown, ct);
            await services.StartAsync("postgres");
        }),
        ("workers-paused-20s", $"Workers paused (SIGSTOP) for {options.WorkersPaused.TotalSeconds:0} s", async ct =>
        {
            await apps.Workers.PauseAsync();
            await Task.Delay(options.WorkersPaused, ct);
            await apps.Workers.ResumeAsync();
        })
    ];

    static Task Restart(AppProcess app, CancellationToken _)
    {
        app.KillHard();
        app.Start();
        return Task.CompletedTask;
    }

    /// <summary>Runs every fault, spread over <see cref="DrillOptions.Duration"/> with at least <see cref="DrillOptions.Settle"/> between them.</summary>
    public async Task<List<FaultResult>> RunAsync(DateTime loadStarted, CancellationToken ct)
    {
        var results = new List<FaultResult>();
        var faults = Faults;
        var spacing = options.Duration / (faults.Count + 1);
        for (var i = 0; i < faults.Count; i++)
        {
            var due = loadStarted + spacing * (i + 1);
            var wait = due - DateTime.UtcNow;
            await Task.Delay(wait > options.Settle ? wait : options.Settle, ct);
            var (name, what, inject) = faults[i];
            logger.LogWarning("fault {Index}/{Count}: {What}", i + 1, faults.Count, what);
            var watch = Stopwatch.StartNew();
            var result = new FaultResult { Name = name, What = what, InjectedAt = DateTime.UtcNow };
            await inject(ct);
            result.OutageSeconds = watch.Elapsed.TotalSeconds;
            result.RecoverSeconds = await probe.TimeToPassAsync(watch, watch.Elapsed + RecoverLimit, ct);
            logger.LogWarning("fault {Name}: undone after {Outage:0.0} s, probe passes after {Recover} s", name, result.OutageSeconds,
                result.RecoverSeconds?.ToString("0.0") ?? "never");
            results.Add(result);
        }
        await Task.Delay(options.Settle, ct);
        return results;
    }
}
