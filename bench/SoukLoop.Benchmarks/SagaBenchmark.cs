using System.Diagnostics;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using SoukLoop.Contracts;
using SoukLoop.Persistence;
using SoukLoop.Persistence.Model;

namespace SoukLoop.Benchmarks;

public sealed record SagaOptions(int Offers, int Concurrency, int WarmUp, int Rounds, IReadOnlyList<SagaVariant> Variants,
    int? SagaConcurrency = null, bool LogSql = false);

/// <summary>
/// Offers made and accepted per second through the offer saga, request/response over RabbitMQ, at a fixed number of
/// requests in flight. Each offer is on its own product, so accepts never conflict. Both variants are set up and
/// warmed up first, then measured in alternating segments (A B B A A B ...), so load that drifts on the machine
/// during the run weighs on both alike.
/// </summary>
public sealed class SagaBenchmark(BenchEnvironment env, SagaOptions options)
{
    const decimal ListPrice = 100m;
    const decimal OfferedPrice = 60m;
    const int Users = 64;

    /// <summary>One variant's servers, host, data and what its segments measured.</summary>
    sealed class Run(SagaVariant variant, Infrastructure infrastructure) : IAsyncDisposable
    {
        public SagaVariant Variant { get; } = variant;
        public Infrastructure Infrastructure { get; } = infrastructure;
        public IHost? Host { get; set; }
        public string Repository { get; set; } = "";
        public Seeded[] Products { get; set; } = [];
        public int NextProduct { get; set; }
        public IRequestClient<MakeOffer> Make { get; set; } = null!;
        public IRequestClient<AcceptOffer> Accept { get; set; } = null!;
        public Phase Measured { get; set; } = null!;
        public TimeSpan Elapsed { get; set; }
        public TimeSpan Drain { get; set; }
        public DatabaseStats Database { get; set; } = DatabaseStats.Zero;
        public ProfileTotals Profile { get; } = new();
        public List<SegmentResult> Segments { get; } = [];

        public async ValueTask DisposeAsync()
        {
            if (Host != null)
            {
                try { await Host.StopAsync(CancellationToken.None); }
                catch (Exception ex) { Console.Error.WriteLine($"warning: stopping variant {Variant.Key}: {ex.Message}"); }
                Host.Dispose();
            }
            await Infrastructure.DisposeAsync();
        }
    }

    public async Task<IReadOnlyList<VariantResult>> RunAsync(string runId, CancellationToken cancellationToken)
    {
        var runs = new List<Run>();
        using var profile = new Profile();
        try
        {
            foreach (var variant in options.Variants)
                runs.Add(await PrepareAsync(variant, runId, cancellationToken));

            var segments = Segments(runs);
            Console.WriteLine();
            Console.WriteLine($"measuring {options.Offers} offers per variant in {options.Rounds} segments each, {options.Concurrency} in flight:");
            var number = 0;
            foreach (var (run, offers) in segments)
            {
                number++;
                await MeasureSegmentAsync(run, offers, profile, cancellationToken);
                var last = run.Segments[^1];
                Console.WriteLine($"   {number,2}/{segments.Count} {run.Variant.Key}: {offers} offers in {last.ElapsedSeconds,6:0.00} s = {last.OffersPerSecond,6:0.0} offers/s");
            }

            var results = new List<VariantResult>();
            foreach (var run in runs)
                results.Add(await ResultAsync(run, cancellationToken));
            return results;
        }
        finally
        {
            foreach (var run in runs)
                await run.DisposeAsync();
        }
    }

    /// <summary>A B, B A, A B, ...: each variant as often first as second.</summary>
    List<(Run Run, int Offers)> Segments(List<Run> runs)
    {
        var list = new List<(Run, int)>();
        for (var round = 0; round < options.Rounds; round++)
        {
            var size = options.Offers / options.Rounds + (round < options.Offers % options.Rounds ? 1 : 0);
            var order = round % 2 == 0 ? runs : Enumerable.Reverse(runs).ToList();
            list.AddRange(order.Select(run => (run, size)));
        }
        return list;
    }

    async Task<Run> PrepareAsync(SagaVariant variant, string runId, CancellationToken cancellationToken)
    {
        var total = options.WarmUp + options.Offers;
        Console.WriteLine($"== {variant.Key}: {variant.Title}");
        var infrastructure = await Infrastructure.CreateAsync(env, $"{runId}_{variant.Key.ToLowerInvariant()}", cancellationToken);
        var run = new Run(variant, infrastructure);
        try
        {
            Console.WriteLine($"   database {infrastructure.Database}, vhost {infrastructure.VirtualHost}");
            run.Products = await SeedAsync(infrastructure, total, cancellationToken);
            run.Measured = new Phase(options.Offers);

            run.Host = variant.BuildHost(infrastructure, env, options, out var repository);
            run.Repository = repository;
            Console.WriteLine($"   saga repository: {repository}");
            await run.Host.StartAsync(cancellationToken);
            run.Make = run.Host.Services.GetRequiredService<IRequestClient<MakeOffer>>();
            run.Accept = run.Host.Services.GetRequiredService<IRequestClient<AcceptOffer>>();

            // Warm-up: JIT, connection pools, RabbitMQ channels and topology; not counted.
            var warmUp = new Phase(options.WarmUp);
            var clock = Stopwatch.StartNew();
            await DriveAsync(run.Make, run.Accept, run.Products[..options.WarmUp], warmUp, cancellationToken);
            run.NextProduct = options.WarmUp;
            if (warmUp.Failures > 0)
                throw new BenchException($"Variant {variant.Key}: {warmUp.Failures} of {options.WarmUp} warm-up offers failed: {warmUp.FirstFailure}");
            await DrainAsync(infrastructure, variant, run.NextProduct, cancellationToken);
            Console.WriteLine($"   warmed up with {options.WarmUp} offers in {clock.Elapsed.TotalSeconds:0.0} s");
            return run;
        }
        catch
        {
            await run.DisposeAsync();
            throw;
        }
    }

    async Task MeasureSegmentAsync(Run run, int offers, Profile profile, CancellationToken cancellationToken)
    {
        var products = run.Products[run.NextProduct..(run.NextProduct + offers)];
        var before = await DatabaseStats.SnapshotAsync(run.Infrastructure.ConnectionString, cancellationToken);
        var counters = profile.Snapshot();
        var failuresBefore = run.Measured.Failures;
        // The snapshot closed the pool's idle connections: the backends that serve this segment start now.
        var postgresBefore = await PostgresCpu.OfBackendsAsync(run.Infrastructure.ConnectionString, cancellationToken);
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;

        var clock = Stopwatch.StartNew();
        await DriveAsync(run.Make, run.Accept, products, run.Measured, cancellationToken);
        clock.Stop();
        run.NextProduct += offers;

        // The work set off behind the answers (outbox clean-up, the scheduler's rows) belongs to this segment too.
        var drain = Stopwatch.StartNew();
        await DrainAsync(run.Infrastructure, run.Variant, run.NextProduct, cancellationToken);
        drain.Stop();
        // B answers before its saga step ends: let the last receives finish before reading the counters.
        await profile.WaitForReceivesAsync("offer-state", counters, 2L * offers, TimeSpan.FromSeconds(5), cancellationToken);
        run.Profile.Add(counters, profile.Snapshot());
        run.Profile.ProcessCpu += Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        var postgresAfter = await PostgresCpu.OfBackendsAsync(run.Infrastructure.ConnectionString, cancellationToken);
        run.Profile.AddPostgresCpu(postgresAfter - postgresBefore);
        var after = await DatabaseStats.SnapshotAsync(run.Infrastructure.ConnectionString, cancellationToken);

        run.Elapsed += clock.Elapsed;
        run.Drain += drain.Elapsed;
        run.Database += after - before;
        var succeeded = offers - (run.Measured.Failures - failuresBefore);
        run.Segments.Add(new SegmentResult(offers, Math.Round(clock.Elapsed.TotalSeconds, 3),
            Math.Round(succeeded / clock.Elapsed.TotalSeconds, 1)));
    }

    async Task<VariantResult> ResultAsync(Run run, CancellationToken cancellationToken)
    {
        var checks = await CheckAsync(run.Infrastructure, run.Variant, run.NextProduct, cancellationToken);
        var succeeded = options.Offers - run.Measured.Failures;
        var seconds = run.Elapsed.TotalSeconds;
        return new VariantResult(
            run.Variant.Key, run.Variant.Title, run.Repository, run.Variant.Storage == SagaStorage.Postgres,
            options.Offers, run.Measured.Failures, run.Measured.FirstFailure,
            Math.Round(seconds, 3),
            Math.Round(succeeded / seconds, 1),
            Math.Round(2 * succeeded / seconds, 1),
            run.Measured.Make.Summarize().Rounded(), run.Measured.Accept.Summarize().Rounded(),
            Math.Round(run.Drain.TotalSeconds, 2),
            run.Database.PerOffer(options.Offers),
            run.Profile.Summarize(options.Offers),
            run.Segments,
            checks);
    }

    sealed class Phase(int count)
    {
        int _failures;
        public LatencyRecorder Make { get; } = new(count);
        public LatencyRecorder Accept { get; } = new(count);
        public int Failures => _failures;
        public string? FirstFailure { get; private set; }

        public void Fail(string reason)
        {
            if (Interlocked.Increment(ref _failures) == 1)
                FirstFailure = reason;
        }
    }

    sealed record Seeded(Guid ProductId, Guid SellerId, Guid BuyerId);

    async Task DriveAsync(IRequestClient<MakeOffer> make, IRequestClient<AcceptOffer> accept, Seeded[] products, Phase phase,
        CancellationToken cancellationToken)
    {
        var next = -1;

        async Task Driver()
        {
            while (true)
            {
                var index = Interlocked.Increment(ref next);
                if (index >= products.Length)
                    return;
                var product = products[index];
                var offerId = NewId.NextGuid();
                try
                {
                    var started = Stopwatch.GetTimestamp();
                    var made = await make.GetResponse<OfferStatus, OfferRejected, OfferNotFound>(
                        new MakeOffer(offerId, product.ProductId, product.BuyerId, OfferedPrice, null), cancellationToken);
                    phase.Make.Record(Stopwatch.GetElapsedTime(started));
                    if (!made.Is(out Response<OfferStatus>? madeStatus) || madeStatus.Message.Offer.Status != "pending")
                    {
                        phase.Fail($"make offer {offerId}: {Describe(made.Message)}");
                        continue;
                    }

                    started = Stopwatch.GetTimestamp();
                    var accepted = await accept.GetResponse<OfferStatus, OfferRejected, OfferNotFound>(
                        new AcceptOffer(offerId, product.SellerId), cancellationToken);
                    phase.Accept.Record(Stopwatch.GetElapsedTime(started));
                    if (!accepted.Is(out Response<OfferStatus>? acceptedStatus) || acceptedStatus.Message.Offer.Status != "accepted")
                        phase.Fail($"accept offer {offerId}: {Describe(accepted.Message)}");
                }
                catch (RequestTimeoutException ex)
                {
                    phase.Fail($"offer {offerId}: {ex.Message}");
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Math.Min(options.Concurrency, products.Length)).Select(_ => Task.Run(Driver, cancellationToken)));
    }

    static string Describe(object message) => message switch
    {
        OfferStatus s => $"status {s.Offer.Status}",
        OfferRejected r => $"rejected {r.Code}: {r.Detail}",
        OfferNotFound => "not found",
        _ => message.GetType().Name
    };

    /// <summary>Users and one available product per offer (warm-up included).</summary>
    static async Task<Seeded[]> SeedAsync(Infrastructure infrastructure, int count, CancellationToken cancellationToken)
    {
        var now = DateTime.UtcNow;
        User NewUser(string kind, int i) => new()
        {
            Id = NewId.NextGuid(),
            Email = $"bench-{kind}-{i}@example.test",
            PasswordHash = "not-used",
            DisplayName = $"Bench {kind} {i}",
            CreatedAt = now
        };
        var sellers = Enumerable.Range(0, Users).Select(i => NewUser("seller", i)).ToArray();
        var buyers = Enumerable.Range(0, Users).Select(i => NewUser("buyer", i)).ToArray();
        var products = Enumerable.Range(0, count).Select(i => new Product
        {
            Id = NewId.NextGuid(),
            SellerId = sellers[i % Users].Id,
            Title = $"Bench item {i}",
            Price = ListPrice,
            Currency = "USD",
            Feed = i % 2 == 0 ? Feeds.Community : Feeds.Discover,
            CreatedAt = now,
            UpdatedAt = now
        }).ToArray();

        await using var db = infrastructure.NewDbContext();
        db.Users.AddRange(sellers);
        db.Users.AddRange(buyers);
        db.Products.AddRange(products);
        await db.SaveChangesAsync(cancellationToken);

        return products.Select((p, i) => new Seeded(p.Id, p.SellerId, buyers[(i / Users + i) % Users].Id)).ToArray();
    }

    /// <summary>
    /// Waits until the work the requests set off behind their answers is done: the outbox emptied (A) and every
    /// expiry both scheduled and cancelled by the Postgres scheduler.
    /// </summary>
    static async Task DrainAsync(Infrastructure infrastructure, SagaVariant variant, int offers, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(infrastructure.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            SELECT (SELECT count(*) FROM outbox_messages),
                   (SELECT count(*) FROM scheduled_messages WHERE cancelled_at IS NOT NULL),
                   (SELECT count(*) FROM scheduled_messages WHERE cancelled_at IS NULL)
            """, connection);
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            long outbox, cancelled, armed;
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                await reader.ReadAsync(cancellationToken);
                (outbox, cancelled, armed) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
            }
            if (outbox == 0 && cancelled == offers && armed == 0)
                return;
            if (DateTime.UtcNow > deadline)
                throw new BenchException($"Variant {variant.Key}: background work did not drain (outbox {outbox}, expiries cancelled {cancelled}/{offers}, armed {armed}).");
            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>What both variants must have written to Postgres, and what only A may write.</summary>
    static async Task<Dictionary<string, long>> CheckAsync(Infrastructure infrastructure, SagaVariant variant, int offers,
        CancellationToken cancellationToken)
    {
        await using var db = infrastructure.NewDbContext();
        var checks = new Dictionary<string, long>
        {
            ["products_sold"] = await db.Products.LongCountAsync(p => p.Status == ProductStatuses.Sold, cancellationToken),
            ["transactions"] = await db.Transactions.LongCountAsync(cancellationToken),
            ["conversation_messages"] = await db.Messages.LongCountAsync(cancellationToken),
            ["timeline_entries"] = await db.OfferTimeline.LongCountAsync(cancellationToken),
            ["offers_rows_accepted"] = await db.Offers.LongCountAsync(o => o.CurrentState == "Accepted", cancellationToken),
            ["offers_rows"] = await db.Offers.LongCountAsync(cancellationToken),
            ["inbox_rows"] = await db.InboxStates.LongCountAsync(cancellationToken),
            ["outbox_rows"] = await db.OutboxMessages.LongCountAsync(cancellationToken)
        };

        var expected = new Dictionary<string, long>
        {
            ["products_sold"] = offers,
            ["transactions"] = offers,
            ["conversation_messages"] = 2L * offers,
            ["timeline_entries"] = 2L * offers,
            ["offers_rows_accepted"] = variant.Storage == SagaStorage.Postgres ? offers : 0,
            ["offers_rows"] = variant.Storage == SagaStorage.Postgres ? offers : 0,
            ["outbox_rows"] = 0
        };
        var wrong = expected.Where(e => checks[e.Key] != e.Value).Select(e => $"{e.Key} = {checks[e.Key]}, expected {e.Value}").ToList();
        if (variant.Storage == SagaStorage.Postgres && checks["inbox_rows"] < 2L * offers)
            wrong.Add($"inbox_rows = {checks["inbox_rows"]}, expected at least {2L * offers}");
        if (variant.Storage == SagaStorage.InMemory && checks["inbox_rows"] != 0)
            wrong.Add($"inbox_rows = {checks["inbox_rows"]}, expected 0 (no inbox in B)");
        if (wrong.Count > 0)
            throw new BenchException($"Variant {variant.Key}: the database does not show the expected work: {string.Join("; ", wrong)}");
        return checks;
    }
}

/// <summary>
/// Postgres' own counters for the variant's database (pg_stat_database). Idle pooled connections are closed first so
/// their backends flush the counters; the host opens new ones as it needs them.
/// </summary>
public sealed record DatabaseStats(long Commits, long Rollbacks, long Inserted, long Updated, long Deleted, long Returned, long Fetched)
{
    public static async Task<DatabaseStats> SnapshotAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using (var pooled = new NpgsqlConnection(connectionString))
            NpgsqlConnection.ClearPool(pooled);
        await Task.Delay(500, cancellationToken);

        var admin = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync(cancellationToken);
        await using (var flush = new NpgsqlCommand("SELECT pg_stat_clear_snapshot()", connection))
            await flush.ExecuteNonQueryAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            SELECT xact_commit, xact_rollback, tup_inserted, tup_updated, tup_deleted, tup_returned, tup_fetched
            FROM pg_stat_database WHERE datname = current_database()
            """, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new DatabaseStats(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4),
            reader.GetInt64(5), reader.GetInt64(6));
    }

    public static readonly DatabaseStats Zero = new(0, 0, 0, 0, 0, 0, 0);

    public static DatabaseStats operator -(DatabaseStats a, DatabaseStats b) => new(a.Commits - b.Commits, a.Rollbacks - b.Rollbacks,
        a.Inserted - b.Inserted, a.Updated - b.Updated, a.Deleted - b.Deleted, a.Returned - b.Returned, a.Fetched - b.Fetched);

    public static DatabaseStats operator +(DatabaseStats a, DatabaseStats b) => new(a.Commits + b.Commits, a.Rollbacks + b.Rollbacks,
        a.Inserted + b.Inserted, a.Updated + b.Updated, a.Deleted + b.Deleted, a.Returned + b.Returned, a.Fetched + b.Fetched);

    public DatabaseWork PerOffer(int offers)
    {
        double Per(long value) => Math.Round(value / (double)offers, 1);
        return new DatabaseWork(Per(Commits), Per(Rollbacks), Per(Inserted), Per(Updated), Per(Deleted));
    }
}

/// <summary>Per measured offer (make + accept, and the scheduler's work for it), from pg_stat_database.</summary>
public sealed record DatabaseWork(double TransactionsCommitted, double TransactionsRolledBack, double RowsInserted, double RowsUpdated,
    double RowsDeleted);

public sealed record VariantResult(
    string Variant,
    string Description,
    string SagaRepository,
    bool PostgresInboxOutbox,
    int Offers,
    int Failures,
    string? FirstFailure,
    double ElapsedSeconds,
    double OffersPerSecond,
    double RequestsPerSecond,
    LatencySummary MakeOffer,
    LatencySummary AcceptOffer,
    double DrainSeconds,
    DatabaseWork DatabasePerOffer,
    ProfileSummary Profile,
    IReadOnlyList<SegmentResult> Segments,
    Dictionary<string, long> Checks);

public sealed record SegmentResult(int Offers, double ElapsedSeconds, double OffersPerSecond);

public static class LatencySummaryExtensions
{
    public static LatencySummary Rounded(this LatencySummary s) =>
        s with { P50Ms = Math.Round(s.P50Ms, 2), P90Ms = Math.Round(s.P90Ms, 2), P99Ms = Math.Round(s.P99Ms, 2), MeanMs = Math.Round(s.MeanMs, 2), MaxMs = Math.Round(s.MaxMs, 2) };
}
