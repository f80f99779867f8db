using System.Diagnostics.Metrics;

namespace SoukLoop.Persistence.Scheduling;

public static class SchedulerMetrics
{
    public const string MeterName = "SoukLoop.Scheduler";
    static readonly Meter Meter = new(MeterName);
    static readonly Counter<long> FiredCount = Meter.CreateCounter<long>("souk.scheduler.fired", description: "Scheduled messages sent");
    static readonly Counter<long> FailedCount = Meter.CreateCounter<long>("souk.scheduler.failed", description: "Scheduled messages set aside after their last failed send");
    static readonly Histogram<double> Lag = Meter.CreateHistogram<double>("souk.scheduler.lag", "s", "Time between due and sent");

    public static void Fired(TimeSpan lag)
    {
        FiredCount.Add(1);
        Lag.Record(lag.TotalSeconds);
    }

    public static void Failed() => FailedCount.Add(1);
}
