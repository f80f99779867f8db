extern alias realtime;

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MassTransit;
using SoukLoop.Contracts;
using SoukLoop.RealtimeBench;

// Souk Loop Realtime benchmark (bench/REALTIME.md): idle connections held by one Realtime process and its memory per
// connection, then the fan-out latency of one published event to every watcher of one product.
var options = BenchOptions.Parse(args);
Console.WriteLine($"Realtime benchmark: {options.Connections} idle connections, {options.Watchers} watchers, {options.Events} events, " +
                  $"GC of the Realtime process: {options.Gc}");

await using var environment = await BenchEnvironment.CreateAsync();
var realtimeDll = typeof(realtime::SoukLoop.Realtime.RealtimeExtensions).Assembly.Location;
await using var node = environment.StartRealtime(realtimeDll, options.Gc);
await node.WaitReadyAsync();
Console.WriteLine($"Realtime node pid {node.Pid} on {node.BaseUrl} (log {node.Log})");

var sellerId = Guid.NewGuid();
var productId = await environment.CreateProductAsync(sellerId);
var results = new Dictionary<string, object?>
{
    ["timestamp"] = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
    ["machine"] = new
    {
        cores = Environment.ProcessorCount,
        os = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
        runtime = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
        memory_bytes = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes,
        load_average_at_start = LoadAverage()
    },
    ["options"] = options
};

// Warm-up: JIT, pools and the first Redis/Postgres round trips, so the baseline is an idle but warm process.
{
    var warm = await OpenAsync(environment, node, 50, concurrency: 10);
    await Parallel.ForEachAsync(warm, async (c, ct) => await c.Connection.InvokeAsync("heartbeat", new { }, ct));
    foreach (var c in warm)
        await c.Connection.DisposeAsync();
    await Task.Delay(2000);
}

var before = await node.DiagnosticsAsync(gc: true);
Console.WriteLine($"Before: {before}");

var connectClock = Stopwatch.StartNew();
var clients = await OpenAsync(environment, node, options.Connections, options.ConnectConcurrency);
var connectSeconds = connectClock.Elapsed.TotalSeconds;

Console.WriteLine($"Opened {clients.Count} connections in {connectSeconds:0.0} s ({clients.Count / connectSeconds:0} per second)");

await Task.Delay(TimeSpan.FromSeconds(options.SettleSeconds));
var after = await node.DiagnosticsAsync(gc: true);
Console.WriteLine($"After:  {after}");
if (after.Connections < options.Connections)
    throw new InvalidOperationException($"The node holds {after.Connections} connections, expected {options.Connections}.");

var perConnection = new
{
    connections_held = after.Connections,
    connect_seconds = Math.Round(connectSeconds, 2),
    before,
    after,
    working_set_bytes_per_connection = Math.Round((double)(after.WorkingSetBytes - before.WorkingSetBytes) / options.Connections, 0),
    gc_heap_bytes_per_connection = Math.Round((double)(after.GcHeapBytes - before.GcHeapBytes) / options.Connections, 0),
    target_bytes_per_connection = 20 * 1024
};
results["idle_connections"] = perConnection;
Console.WriteLine($"Per idle connection: working set {perConnection.working_set_bytes_per_connection / 1024:0.0} KB, " +
                  $"GC heap {perConnection.gc_heap_bytes_per_connection / 1024:0.0} KB (target ≤ 20 KB)");

if (options.HoldSeconds > 0)
{
    Console.WriteLine($"Holding the connections for {options.HoldSeconds} s (pid {node.Pid}) for inspection…");
    await Task.Delay(TimeSpan.FromSeconds(options.HoldSeconds));
}

// Fan-out: the first W connections watch one product; each published OfferMade reaches all of them as offer:feed:new.
var watchers = clients.Take(options.Watchers).ToList();
var received = new ConcurrentDictionary<Guid, ConcurrentBag<long>>();
var subscribed = new ConcurrentDictionary<RawHubClient, bool>();
var subscribeErrors = 0;
foreach (var watcher in watchers)
{
    var client = watcher.Connection;
    client.OnEvent = (target, payload, at) =>
    {
        if (target == "offer:feed:history")
            subscribed[client] = true;
        else if (target == "error")
            Interlocked.Increment(ref subscribeErrors);
        else if (target == "offer:feed:new" && payload.TryGetProperty("id", out var id) && id.TryGetGuid(out var offerId))
            received.GetOrAdd(offerId, _ => []).Add(at);
    };
}
// A subscribe refused with an error (e.g. a Redis timeout on a starved machine) is simply sent again, as an app would.
for (var attempt = 1; attempt <= 3 && subscribed.Count < watchers.Count; attempt++)
{
    var pending = watchers.Where(w => !subscribed.ContainsKey(w.Connection)).ToList();
    await Parallel.ForEachAsync(pending, new ParallelOptions { MaxDegreeOfParallelism = options.ConnectConcurrency }, async (w, ct) =>
        await w.Connection.InvokeAsync("offer:feed:subscribe", new { product_id = productId }, ct));
    for (var wait = 0; subscribed.Count < watchers.Count && wait < 300; wait++)
        await Task.Delay(100);
}
if (subscribed.Count < watchers.Count)
    throw new InvalidOperationException($"Only {subscribed.Count} of {watchers.Count} watchers got offer:feed:history ({subscribeErrors} errors).");
results["subscribe_errors_retried"] = subscribeErrors;
Console.WriteLine($"{watchers.Count} watchers subscribed to product {productId}");

var bus = environment.CreateBus();
await bus.StartAsync();
try
{
    // Unmeasured warm-up event (first publish, first fan-out).
    await PublishAndWaitAsync(bus, productId, sellerId, received, watchers.Count, TimeSpan.FromSeconds(30));

    var latenciesMs = new List<double>();
    var completeMs = new List<double>();
    var firstMs = new List<double>();
    var lost = 0;
    for (var i = 0; i < options.Events; i++)
    {
        var (published, offerId, complete) = await PublishAndWaitAsync(bus, productId, sellerId, received, watchers.Count, TimeSpan.FromSeconds(30));
        var stamps = received.TryGetValue(offerId, out var bag) ? bag.ToArray() : [];
        lost += watchers.Count - stamps.Length;
        latenciesMs.AddRange(stamps.Select(s => Stopwatch.GetElapsedTime(published, s).TotalMilliseconds));
        if (stamps.Length > 0)
            firstMs.Add(Stopwatch.GetElapsedTime(published, stamps.Min()).TotalMilliseconds);
        if (complete)
            completeMs.Add(Stopwatch.GetElapsedTime(published, stamps.Max()).TotalMilliseconds);
        await Task.Delay(options.EventGapMilliseconds);
    }

    var fanOut = new
    {
        watchers = watchers.Count,
        events = options.Events,
        deliveries = latenciesMs.Count,
        lost_deliveries = lost,
        publish_to_receive_ms = Stats.Of(latenciesMs),
        publish_to_first_watcher_ms = Stats.Of(firstMs),
        publish_to_last_watcher_ms = Stats.Of(completeMs)
    };
    results["fan_out"] = fanOut;
    Console.WriteLine($"Fan-out to {watchers.Count} watchers, {options.Events} events: publish → receive {fanOut.publish_to_receive_ms}");
    Console.WriteLine($"  publish → first watcher {fanOut.publish_to_first_watcher_ms}");
    Console.WriteLine($"  publish → last watcher {fanOut.publish_to_last_watcher_ms}; lost deliveries: {lost}");
}
finally
{
    await bus.StopAsync();
}

var server = await node.DiagnosticsAsync(gc: false);
results["realtime_process_at_end"] = server;
results["load_average_at_end"] = LoadAverage();
foreach (var c in clients)
    await c.Connection.DisposeAsync();

var output = options.Output ?? Path.Combine(BenchEnvironment.RepositoryRoot(), "bench", "results",
    $"realtime-{DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}.json");
Directory.CreateDirectory(Path.GetDirectoryName(output)!);
await File.WriteAllTextAsync(output, JsonSerializer.Serialize(results, BenchJson.Options));
Console.WriteLine($"Results: {output}");
return 0;

static async Task<List<BenchClient>> OpenAsync(BenchEnvironment environment, RealtimeNode node, int count, int concurrency)
{
    var clients = new ConcurrentBag<BenchClient>();
    var ws = new Uri(node.BaseUrl.Replace("http://", "ws://", StringComparison.Ordinal));
    await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (_, ct) =>
    {
        var userId = Guid.NewGuid();
        var uri = new Uri(ws, $"/hubs/realtime?access_token={Uri.EscapeDataString(environment.TokenFor(userId))}");
        clients.Add(new BenchClient(userId, await RawHubClient.ConnectAsync(uri, ct)));
    });
    return [.. clients];
}

static async Task<(long Published, Guid OfferId, bool Complete)> PublishAndWaitAsync(IBus bus, Guid productId, Guid sellerId,
    ConcurrentDictionary<Guid, ConcurrentBag<long>> received, int watchers, TimeSpan timeout)
{
    var offerId = NewId.NextGuid();
    var now = DateTime.UtcNow;
    var snapshot = new OfferSnapshot(offerId, productId, "Bench lamp", Guid.NewGuid(), sellerId, Guid.NewGuid(), "pending", "seller", 50m, null, 100m,
        "USD", "community", 1, now.AddDays(1), now, now, null);
    received.TryAdd(offerId, []);
    var published = Stopwatch.GetTimestamp();
    await bus.Publish(new OfferMade(offerId, snapshot, snapshot.BuyerId, null, now));
    var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
    while (received[offerId].Count < watchers && Stopwatch.GetTimestamp() < deadline)
        await Task.Delay(5);
    return (published, offerId, received[offerId].Count >= watchers);
}

// The machine is shared: the 1/5/15-minute load averages say how busy it was while the figures were taken.
static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

record BenchClient(Guid UserId, RawHubClient Connection);
