using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace SoukLoop.Benchmarks;

public static class Program
{
    const string Usage = """
        usage: dotnet run -c Release --project bench/SoukLoop.Benchmarks -- saga [options]

          saga                 offer saga throughput: A) Postgres saga repository + Postgres inbox/outbox
                               (production) against B) MassTransit's in-memory saga repository, no outbox
          --offers N           offers per variant, each made and accepted (default 1000)
          --concurrency C      requests in flight (default 32)
          --warmup W           offers per variant before measuring, not counted (default 50)
          --rounds R           measured segments per variant, alternating A B / B A (default 4)
          --variant A|B|AB     which variants to run (default AB; the ratio needs both)
          --out DIR            where the JSON results go (default bench/results)
          --saga-limit L       Offers:ConcurrentMessageLimit for both variants (default: the Workers' default)
          --log-sql            print every SQL command EF Core sends (to see where a variant's time goes)

        servers: ConnectionStrings__Postgres, RabbitMq__Host, RabbitMq__Port, RabbitMq__ManagementPort,
        RabbitMq__Username, RabbitMq__Password (see bench/README.md)
        """;

    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }
        if (args[0] != "saga")
        {
            Console.Error.WriteLine($"unknown benchmark '{args[0]}'\n\n{Usage}");
            return 2;
        }

        int offers = 1000, concurrency = 32, warmUp = 50, rounds = 4;
        var variants = "AB";
        string? outDir = null;
        var logSql = false;
        int? sagaLimit = null;
        try
        {
            for (var i = 1; i < args.Length; i++)
            {
                string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
                switch (args[i])
                {
                    case "--offers": offers = Positive(Value(), "--offers"); break;
                    case "--concurrency": concurrency = Positive(Value(), "--concurrency"); break;
                    case "--warmup": warmUp = Positive(Value(), "--warmup"); break;
                    case "--rounds": rounds = Positive(Value(), "--rounds"); break;
                    case "--variant": variants = Value().ToUpperInvariant(); break;
                    case "--out": outDir = Value(); break;
                    case "--log-sql": logSql = true; break;
                    case "--saga-limit": sagaLimit = Positive(Value(), "--saga-limit"); break;
                    default: throw new ArgumentException($"unknown option {args[i]}");
                }
            }
            if (variants is not ("A" or "B" or "AB" or "BA"))
                throw new ArgumentException("--variant takes A, B or AB");
            if (rounds > offers)
                throw new ArgumentException("--rounds cannot exceed --offers");
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine($"{ex.Message}\n\n{Usage}");
            return 2;
        }

        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            Console.Error.WriteLine("stopping: cleaning up the databases and virtual hosts ...");
            cancellation.Cancel();
        };

        var env = BenchEnvironment.FromEnvironment();
        var selected = variants.Select(v => v == 'A' ? SagaVariant.A : SagaVariant.B).ToList();
        var options = new SagaOptions(offers, concurrency, warmUp, rounds, selected, sagaLimit, logSql);
        var runId = $"{DateTime.UtcNow:yyyyMMddHHmmss}_{Guid.NewGuid().ToString("N")[..6]}";

        Console.WriteLine($"Souk Loop saga benchmark: {offers} offers per variant (make + accept), {concurrency} in flight, warm-up {warmUp}");
        Console.WriteLine($"{env.Describe()}; {Environment.ProcessorCount} CPUs, {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}");

        var benchmark = new SagaBenchmark(env, options);
        IReadOnlyList<VariantResult> results;
        try
        {
            results = await benchmark.RunAsync(runId, cancellation.Token);
        }
        catch (BenchException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return 1;
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            Console.Error.WriteLine("cancelled");
            return 130;
        }

        var report = SagaReport.Create(options, env, results);
        report.Print(Console.Out);
        var path = report.Write(outDir ?? Path.Combine(RepositoryRoot(), "bench", "results"));
        Console.WriteLine($"results: {path}");
        return results.Any(r => r.Failures > 0) ? 1 : 0;
    }

    static int Positive(string value, string name) =>
        int.TryParse(value, out var n) && n > 0 ? n : throw new ArgumentException($"{name} takes a positive number, not '{value}'");

    /// <summary>The checkout this binary was built from (bin/Release/net10.0 is inside it), else the current folder.</summary>
    static string RepositoryRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "SoukLoop.sln")))
                    return dir.FullName;
            }
        }
        return Directory.GetCurrentDirectory();
    }
}

public sealed record SagaReport(
    DateTime Timestamp,
    string Benchmark,
    object Machine,
    object Settings,
    IReadOnlyList<VariantResult> Variants,
    double? RatioAOverB,
    double Target)
{
    static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull
    };

    public static SagaReport Create(SagaOptions options, BenchEnvironment env, IReadOnlyList<VariantResult> results)
    {
        var a = results.FirstOrDefault(r => r.Variant == "A");
        var b = results.FirstOrDefault(r => r.Variant == "B");
        double? ratio = a != null && b is { OffersPerSecond: > 0 } ? Math.Round(a.OffersPerSecond / b.OffersPerSecond, 3) : null;
        return new SagaReport(
            DateTime.UtcNow,
            "saga",
            new
            {
                processors = Environment.ProcessorCount,
                os = RuntimeInformation.OSDescription,
                runtime = RuntimeInformation.FrameworkDescription,
                servers = env.Describe()
            },
            new
            {
                offers_per_variant = options.Offers,
                concurrency = options.Concurrency,
                warm_up_offers = options.WarmUp,
                segments_per_variant = options.Rounds,
                saga_concurrent_message_limit = options.SagaConcurrency?.ToString() ?? "Workers default (Offers:ConcurrentMessageLimit)",
                workload = "per offer: MakeOffer then AcceptOffer (request/response), one product per offer"
            },
            results,
            ratio,
            0.5);
    }

    public void Print(TextWriter output)
    {
        output.WriteLine();
        output.WriteLine($"{"variant",-58} {"offers/s",9} {"make p50",9} {"make p99",9} {"acc. p50",9} {"acc. p99",9} {"tx/offer",9}");
        foreach (var r in Variants)
        {
            output.WriteLine($"{r.Variant + " " + r.Description,-58} {r.OffersPerSecond,9:0.0} {r.MakeOffer.P50Ms,7:0.0}ms {r.MakeOffer.P99Ms,7:0.0}ms " +
                $"{r.AcceptOffer.P50Ms,7:0.0}ms {r.AcceptOffer.P99Ms,7:0.0}ms {r.DatabasePerOffer.TransactionsCommitted,9:0.0}");
            if (r.Failures > 0)
                output.WriteLine($"    {r.Failures} failed offers, first: {r.FirstFailure}");
        }
        if (RatioAOverB is { } ratio)
            output.WriteLine($"ratio A/B = {ratio:0.00} (target >= {Target:0.0}: {(ratio >= Target ? "met" : "NOT met")})");
    }

    public string Write(string directory)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"saga-{Timestamp:yyyyMMdd-HHmmss}.json");
        File.WriteAllText(path, JsonSerializer.Serialize(this, Json) + Environment.NewLine);
        return Path.GetFullPath(path);
    }
}
