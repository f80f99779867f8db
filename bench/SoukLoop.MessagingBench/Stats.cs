namespace SoukLoop.MessagingBench;

public sealed record Percentiles(double P50, double P90, double P99, double Max, double Mean)
{
    public static Percentiles Of(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0)
            return new(0, 0, 0, 0, 0);
        var sorted = values.Order().ToArray();
        double At(double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new(Round(At(0.50)), Round(At(0.90)), Round(At(0.99)), Round(sorted[^1]), Round(sorted.Average()));
    }

    static double Round(double value) => Math.Round(value, 2);
}

/// <summary>Maximum throughput at a fixed number of clients that each send the next message as soon as the last one is stored.</summary>
public sealed record ThroughputResult(int Concurrency, double DurationSeconds, int Created, int Accepted202, int Errors, double SendsPerSecond,
    Percentiles LatencyMs, IReadOnlyDictionary<string, int> Statuses);

/// <summary>
/// Sends started on a fixed schedule whatever the answers do (open loop). <see cref="LatencyMs"/> is from the scheduled
/// start to the 201 (stored and committed), so a stall shows in full; <see cref="SendToInsertMs"/> is from the actual
/// start to the message's created_at (taken by the worker just before its insert).
/// </summary>
public sealed record FixedRateResult(int RatePerSecond, double DurationSeconds, int Scheduled, int Created, int Accepted202, int Errors,
    double AchievedPerSecond, Percentiles LatencyMs, Percentiles SendToInsertMs, int StoredInDatabase, IReadOnlyDictionary<string, int> Statuses);

/// <summary>Answers by HTTP status ("201", "202", "503", …; "exception" when no answer came).</summary>
public sealed class StatusCounter
{
    readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _counts = new();

    public void Add(System.Net.HttpStatusCode status) =>
        _counts.AddOrUpdate(status == 0 ? "exception" : ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture), 1, (_, n) => n + 1);

    public IReadOnlyDictionary<string, int> Snapshot() => new SortedDictionary<string, int>(_counts);
}

public sealed record BenchResult(DateTime StartedAt, string Route, object Machine, object Settings, ThroughputResult Throughput,
    FixedRateResult FixedRate, string? LoadAverageAtStart, string? LoadAverageAtEnd);
