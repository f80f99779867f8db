using System.Globalization;

namespace SoukLoop.MessagingBench;

/// <summary>Command line: <c>--concurrency 32 --duration 30 --rate 100 --rate-duration 30 --conversations 20 --warmup 10 --out DIR</c>.</summary>
public sealed record BenchOptions
{
    public int Concurrency { get; init; } = 32;
    public int DurationSeconds { get; init; } = 30;
    public int Rate { get; init; } = 100;
    public int RateDurationSeconds { get; init; } = 30;
    public int Conversations { get; init; } = 20;
    public int WarmupSeconds { get; init; } = 10;
    public string? OutputDirectory { get; init; }
    public string Postgres { get; init; } = Env("ConnectionStrings__Postgres", "Host=127.0.0.1;Port=55472;Database=soukloop;Username=souk;Password=souk");
    public string Redis { get; init; } = Env("ConnectionStrings__Redis", "127.0.0.1:56374");
    public string RabbitHost { get; init; } = Env("RabbitMq__Host", "127.0.0.1");
    public string RabbitPort { get; init; } = Env("RabbitMq__Port", "55674");
    public string RabbitManagementPort { get; init; } = Env("RabbitMq__ManagementPort", "15674");
    public string RabbitUser { get; init; } = Env("RabbitMq__Username", "guest");
    public string RabbitPassword { get; init; } = Env("RabbitMq__Password", "guest");

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int() => int.Parse(Next(), CultureInfo.InvariantCulture);
            options = args[i] switch
            {
                "--concurrency" => options with { Concurrency = Int() },
                "--duration" => options with { DurationSeconds = Int() },
                "--rate" => options with { Rate = Int() },
                "--rate-duration" => options with { RateDurationSeconds = Int() },
                "--conversations" => options with { Conversations = Int() },
                "--warmup" => options with { WarmupSeconds = Int() },
                "--out" => options with { OutputDirectory = Next() },
                _ => throw new ArgumentException($"Unknown option {args[i]}")
            };
        }
        return options;
    }

    static string Env(string name, string fallback) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : fallback;
}
