using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace SoukLoop.MessagingBench;

/// <summary>
/// Messaging benchmark through the real route: `POST /api/v1/conversations/{id}/messages` on the Api process, which sends
/// SendMessage over RabbitMQ to the Workers process and answers 201 once the worker has stored the message and committed
/// (inbox, insert, unread count, MessageSent in the outbox). So the 201 latency is the send-to-stored time a client sees.
/// Phase 1: maximum sends/s at a fixed number of closed-loop clients. Phase 2: a fixed open-loop rate, latency p50/p99.
/// </summary>
public static class BenchProgram
{
    static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    public static async Task<int> Main(string[] args)
    {
        var options = BenchOptions.Parse(args);
        var startedAt = DateTime.UtcNow;
        var loadAtStart = LoadAverage();
        Console.WriteLine($"Souk Loop messaging bench: {options.Concurrency} clients for {options.DurationSeconds} s, then {options.Rate}/s for " +
            $"{options.RateDurationSeconds} s, over {options.Conversations} conversations");

        await using var system = new SystemUnderTest(options);
        await system.StartAsync();
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1024, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        {
            BaseAddress = system.ApiBase,
            Timeout = TimeSpan.FromSeconds(60)
        };

        var chats = await SetUpAsync(http, options.Conversations);
        Console.WriteLine($"Api {system.ApiBase}, database {system.Database}; {chats.Count} conversations ready. Warming up {options.WarmupSeconds} s…");
        await ClosedLoopAsync(http, chats, options.Concurrency, TimeSpan.FromSeconds(options.WarmupSeconds));

        var throughput = await ClosedLoopAsync(http, chats, options.Concurrency, TimeSpan.FromSeconds(options.DurationSeconds));
        Console.WriteLine($"Throughput: {throughput.SendsPerSecond:0.0} sends/s at {throughput.Concurrency} clients " +
            $"(p50 {throughput.LatencyMs.P50} ms, p99 {throughput.LatencyMs.P99} ms; answers " +
            $"{string.Join(", ", throughput.Statuses.Select(kv => $"{kv.Value} × {kv.Key}"))})");

        await Task.Delay(TimeSpan.FromSeconds(3)); // let the queues drain before the latency phase
        var before = await system.CountMessagesAsync();
        var fixedRate = await OpenLoopAsync(http, chats, options.Rate, TimeSpan.FromSeconds(options.RateDurationSeconds));
        fixedRate = fixedRate with { StoredInDatabase = (int)(await system.CountMessagesAsync() - before) };
        Console.WriteLine($"Fixed rate {fixedRate.RatePerSecond}/s: p50 {fixedRate.LatencyMs.P50} ms, p90 {fixedRate.LatencyMs.P90} ms, " +
            $"p99 {fixedRate.LatencyMs.P99} ms, max {fixedRate.LatencyMs.Max} ms; send→insert p50 {fixedRate.SendToInsertMs.P50} ms, " +
            $"p99 {fixedRate.SendToInsertMs.P99} ms; {fixedRate.Created}/{fixedRate.Scheduled} stored ({fixedRate.StoredInDatabase} rows), " +
            $"answers {string.Join(", ", fixedRate.Statuses.Select(kv => $"{kv.Value} × {kv.Key}"))}");

        var result = new BenchResult(startedAt, "POST /api/v1/conversations/{id}/messages (Api → RabbitMQ → Workers → Postgres → 201)",
            new
            {
                cores = Environment.ProcessorCount,
                os = RuntimeInformation.OSDescription,
                runtime = RuntimeInformation.FrameworkDescription,
                note = "Api, Workers, bench client, Postgres and RabbitMQ share this machine"
            },
            options with { Postgres = "(hidden)", RabbitPassword = "(hidden)" }, throughput, fixedRate, loadAtStart, LoadAverage());
        var directory = options.OutputDirectory ?? Path.Combine(RepositoryRoot(), "bench", "results");
        Directory.CreateDirectory(directory);
        var file = Path.Combine(directory, $"messaging-{startedAt.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}.json");
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(result, Json));
        Console.WriteLine($"Results: {file} (load average {result.LoadAverageAtStart} → {result.LoadAverageAtEnd})");
        return 0;
    }

    /// <summary>The machine's 1/5/15-minute load averages (Linux), to read the figures against.</summary>
    static string? LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : null;

    sealed record Participant(Guid Id, string Token);

    sealed record Chat(Guid Id, Participant A, Participant B);

    /// <summary>Registers two users per conversation through /auth/register and starts their conversation.</summary>
    static async Task<List<Chat>> SetUpAsync(HttpClient http, int count)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        async Task<Participant> Register(int n)
        {
            var response = await http.PostAsJsonAsync("/api/v1/auth/register",
                new { email = $"bench-{run}-{n}@example.test", password = "bench-password", display_name = $"Bench {n}" });
            response.EnsureSuccessStatusCode();
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            return new Participant(body.GetProperty("user").GetProperty("id").GetGuid(), body.GetProperty("access_token").GetString()!);
        }

        var chats = new List<Chat>();
        for (var i = 0; i < count; i++)
        {
            var a = await Register(2 * i);
            var b = await Register(2 * i + 1);
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/conversations") { Content = JsonContent.Create(new { other_user_id = b.Id }) };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", a.Token);
            using var response = await http.SendAsync(request);
            response.EnsureSuccessStatusCode();
            chats.Add(new Chat((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid(), a, b));
        }
        return chats;
    }

    sealed record Outcome(HttpStatusCode Status, DateTime? CreatedAt);

    static async Task<Outcome> SendAsync(HttpClient http, Chat chat, bool fromA, string text)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/conversations/{chat.Id}/messages")
            {
                Content = JsonContent.Create(new { message_type = "text", content = text })
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", (fromA ? chat.A : chat.B).Token);
            using var response = await http.SendAsync(request);
            if (response.StatusCode != HttpStatusCode.Created)
                return new Outcome(response.StatusCode, null);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            return new Outcome(response.StatusCode, body.GetProperty("created_at").GetDateTime().ToUniversalTime());
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return new Outcome(0, null);
        }
    }

    static async Task<ThroughputResult> ClosedLoopAsync(HttpClient http, List<Chat> chats, int concurrency, TimeSpan duration)
    {
        var latencies = new ConcurrentBag<double>();
        var statuses = new StatusCounter();
        int created = 0, accepted = 0, errors = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async client =>
        {
            for (var n = 0; clock.Elapsed < duration; n++)
            {
                var chat = chats[(client + n) % chats.Count];
                var start = Stopwatch.GetTimestamp();
                var outcome = await SendAsync(http, chat, n % 2 == 0, $"client {client} message {n}");
                var ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                statuses.Add(outcome.Status);
                switch (outcome.Status)
                {
                    case HttpStatusCode.Created:
                        Interlocked.Increment(ref created);
                        latencies.Add(ms);
                        break;
                    case HttpStatusCode.Accepted:
                        Interlocked.Increment(ref accepted);
                        break;
                    default:
                        Interlocked.Increment(ref errors);
                        break;
                }
            }
        }));
        var elapsed = clock.Elapsed.TotalSeconds;
        return new ThroughputResult(concurrency, Math.Round(elapsed, 2), created, accepted, errors, Math.Round(created / elapsed, 1),
            Percentiles.Of(latencies.ToArray()), statuses.Snapshot());
    }

    static async Task<FixedRateResult> OpenLoopAsync(HttpClient http, List<Chat> chats, int rate, TimeSpan duration)
    {
        var total = (int)(rate * duration.TotalSeconds);
        var latencies = new ConcurrentBag<double>();
        var toInsert = new ConcurrentBag<double>();
        var statuses = new StatusCounter();
        int created = 0, accepted = 0, errors = 0;
        var sends = new List<Task>(total);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < total; i++)
        {
            var scheduled = TimeSpan.FromSeconds((double)i / rate);
            var wait = scheduled - clock.Elapsed;
            if (wait > TimeSpan.Zero)
                await Task.Delay(wait);
            var n = i;
            sends.Add(Task.Run(async () =>
            {
                var startedUtc = DateTime.UtcNow;
                var outcome = await SendAsync(http, chats[n % chats.Count], n / chats.Count % 2 == 0, $"rate message {n}");
                var ms = (clock.Elapsed - scheduled).TotalMilliseconds; // from the scheduled start: a stall counts in full
                statuses.Add(outcome.Status);
                switch (outcome.Status)
                {
                    case HttpStatusCode.Created:
                        Interlocked.Increment(ref created);
                        latencies.Add(ms);
                        toInsert.Add((outcome.CreatedAt!.Value - startedUtc).TotalMilliseconds);
                        break;
                    case HttpStatusCode.Accepted:
                        Interlocked.Increment(ref accepted);
                        break;
                    default:
                        Interlocked.Increment(ref errors);
                        break;
                }
            }));
        }
        var sendingTook = clock.Elapsed.TotalSeconds;
        await Task.WhenAll(sends);
        return new FixedRateResult(rate, Math.Round(duration.TotalSeconds, 2), total, created, accepted, errors, Math.Round(total / sendingTook, 1),
            Percentiles.Of(latencies.ToArray()), Percentiles.Of(toInsert.ToArray()), 0, statuses.Snapshot());
    }

    static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SoukLoop.sln")))
                return dir.FullName;
        return Directory.GetCurrentDirectory();
    }
}
