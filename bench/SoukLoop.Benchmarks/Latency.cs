namespace SoukLoop.Benchmarks;

/// <summary>Per-request latencies of one request type, recorded by many drivers at once.</summary>
public sealed class LatencyRecorder
{
    readonly double[] _samples;
    int _count;

    public LatencyRecorder(int capacity) => _samples = new double[capacity];

    public void Record(TimeSpan elapsed)
    {
        var index = Interlocked.Increment(ref _count) - 1;
        if (index < _samples.Length)
            _samples[index] = elapsed.TotalMilliseconds;
    }

    public LatencySummary Summarize()
    {
        var count = Math.Min(_count, _samples.Length);
        var sorted = _samples[..count];
        Array.Sort(sorted);
        return new LatencySummary(count, Percentile(sorted, 0.50), Percentile(sorted, 0.90), Percentile(sorted, 0.99),
            count > 0 ? sorted.Average() : 0, count > 0 ? sorted[^1] : 0);
    }

    /// <summary>Nearest-rank percentile.</summary>
    static double Percentile(double[] sorted, double p)
    {
        if (sorted.Length == 0)
            return 0;
        var rank = (int)Math.Ceiling(p * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}

public sealed record LatencySummary(int Count, double P50Ms, double P90Ms, double P99Ms, double MeanMs, double MaxMs);
