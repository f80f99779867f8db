using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace SoukLoop.Benchmarks;

/// <summary>
/// Counts what the process does while a segment runs, from the metrics Npgsql and MassTransit publish anyway:
/// database commands (count, time) and messages received per endpoint (count, time from receive to ack).
/// Segments run one at a time, so a snapshot difference belongs to the variant being measured.
/// </summary>
public sealed class Profile : IDisposable
{
    readonly MeterListener _listener = new();
    readonly ConcurrentDictionary<string, Sum> _sums = new();

    const string DbOperation = "db.client.operation.duration";
    const string ReceiveDuration = "messaging.masstransit.receive.duration";
    const string Retries = "messaging.masstransit.consume.retries";

    sealed class Sum
    {
        public long Count;
        public double Total;
    }

    public Profile()
    {
        // MassTransit records a message's receive duration only while its other receive instruments listen too.
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "MassTransit" || instrument.Name == DbOperation)
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            if (instrument.Name is DbOperation or ReceiveDuration)
                Add(Key(instrument, tags), instrument.Unit == "ms" ? value / 1000 : value);
        });
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (instrument.Name == Retries)
                Add(Key(instrument, tags), value);
        });
        _listener.Start();
    }

    static string Key(Instrument instrument, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (instrument.Name != ReceiveDuration)
            return instrument.Name;
        foreach (var tag in tags)
        {
            if (tag.Key == "messaging.masstransit.destination")
                return tag.Value?.ToString()?.Contains("_bus_", StringComparison.Ordinal) == true
                    ? "receive:responses (request client)"
                    : $"receive:{tag.Value}";
        }
        return "receive:?";
    }

    void Add(string key, double value)
    {
        var sum = _sums.GetOrAdd(key, _ => new Sum());
        lock (sum)
        {
            sum.Count++;
            sum.Total += value;
        }
    }

    public Dictionary<string, (long Count, double Total)> Snapshot() =>
        _sums.ToDictionary(e => e.Key, e => { lock (e.Value) return (e.Value.Count, e.Value.Total); });

    /// <summary>Until the endpoint has received <paramref name="count"/> more messages than in <paramref name="since"/>.</summary>
    public async Task WaitForReceivesAsync(string endpoint, Dictionary<string, (long Count, double Total)> since, long count, TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        var key = $"receive:{endpoint}";
        var start = since.TryGetValue(key, out var s) ? s.Count : 0;
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && (_sums.TryGetValue(key, out var sum) ? Interlocked.Read(ref sum.Count) : 0) - start < count)
            await Task.Delay(20, cancellationToken);
    }

    public void Dispose() => _listener.Dispose();
}

/// <summary>What a variant's measured segments cost, per offer (make + accept) unless named otherwise.</summary>
public sealed class ProfileTotals
{
    public long DbCommands { get; private set; }
    public double DbSeconds { get; private set; }
    public long Retries { get; private set; }
    public Dictionary<string, (long Count, double Seconds)> Received { get; } = new();
    public TimeSpan ProcessCpu { get; set; }
    public TimeSpan? PostgresCpu { get; private set; } = TimeSpan.Zero;

    /// <summary>Once one segment's Postgres CPU could not be read, the total stays unknown.</summary>
    public void AddPostgresCpu(TimeSpan? segment) => PostgresCpu = PostgresCpu + segment;

    public void Add(Dictionary<string, (long Count, double Total)> before, Dictionary<string, (long Count, double Total)> after)
    {
        foreach (var (key, value) in after)
        {
            var earlier = before.TryGetValue(key, out var b) ? b : (0, 0);
            var count = value.Count - earlier.Count;
            var total = value.Total - earlier.Total;
            switch (key)
            {
                case "db.client.operation.duration":
                    DbCommands += count;
                    DbSeconds += total;
                    break;
                case "messaging.masstransit.consume.retries":
                    Retries += (long)total;
                    break;
                default:
                    var endpoint = key["receive:".Length..];
                    var current = Received.TryGetValue(endpoint, out var r) ? r : (0, 0);
                    Received[endpoint] = (current.Count + count, current.Seconds + total);
                    break;
            }
        }
    }

    public ProfileSummary Summarize(int offers) => new(
        Math.Round(ProcessCpu.TotalMilliseconds / offers, 2),
        PostgresCpu is { } postgres ? Math.Round(postgres.TotalMilliseconds / offers, 2) : null,
        Math.Round(DbCommands / (double)offers, 1),
        DbCommands > 0 ? Math.Round(DbSeconds * 1000 / DbCommands, 2) : 0,
        Retries,
        Received.Where(e => e.Value.Count > 0).OrderBy(e => e.Key).ToDictionary(e => e.Key,
            e => new EndpointSummary(Math.Round(e.Value.Count / (double)offers, 2), Math.Round(e.Value.Seconds * 1000 / e.Value.Count, 2))));
}

public sealed record ProfileSummary(
    double BenchProcessCpuMsPerOffer,
    double? PostgresCpuMsPerOffer,
    double DbCommandsPerOffer,
    double DbCommandMeanMs,
    long SagaRetries,
    Dictionary<string, EndpointSummary> MessagesReceived);

/// <summary>Messages received on an endpoint per offer, and their mean time from receive to ack.</summary>
public sealed record EndpointSummary(double PerOffer, double MeanMs);

/// <summary>
/// CPU time of the Postgres backends serving one database, read from /proc (only when Postgres runs on this machine
/// and the bench may read its processes; otherwise null). Backends are counted from their start.
/// </summary>
public static class PostgresCpu
{
    const double TicksPerSecond = 100; // USER_HZ on Linux

    public static async Task<TimeSpan?> OfBackendsAsync(string connectionString, CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsLinux())
            return null;
        try
        {
            var admin = new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;
            await using var connection = new Npgsql.NpgsqlConnection(admin);
            await connection.OpenAsync(cancellationToken);
            if (connection.Host is not ("127.0.0.1" or "localhost" or "::1"))
                return null;
            await using var command = new Npgsql.NpgsqlCommand(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()", connection);
            var pids = new List<int>();
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                    pids.Add(reader.GetInt32(0));
            }

            double ticks = 0;
            foreach (var pid in pids)
            {
                string stat;
                try { stat = await File.ReadAllTextAsync($"/proc/{pid}/stat", cancellationToken); }
                catch (IOException) { continue; } // gone since
                // Fields after "(comm)": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                ticks += long.Parse(fields[11]) + long.Parse(fields[12]);
            }
            return TimeSpan.FromSeconds(ticks / TicksPerSecond);
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or FormatException or Npgsql.NpgsqlException)
        {
            return null;
        }
    }
}
