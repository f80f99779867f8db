using System.Diagnostics.Metrics;

namespace SoukLoop.Persistence.Messaging;

/// <summary>Meter <c>SoukLoop.Outbox</c>: how long a message waited in the outbox between its commit and its delivery to the broker.</summary>
public static class OutboxMetrics
{
    public const string MeterName = "SoukLoop.Outbox";
    static readonly Meter Meter = new(MeterName);
    static readonly Counter<long> DeliveredCount = Meter.CreateCounter<long>("souk.outbox.delivered", description: "Outbox messages delivered to the broker");
    static readonly Histogram<double> Lag = Meter.CreateHistogram<double>("souk.outbox.lag", "s", "Time between an outbox message's creation and its delivery");

    public static void Delivered(DateTime sentTime)
    {
        DeliveredCount.Add(1);
        Lag.Record(Math.Max(0, (DateTime.UtcNow - DateTime.SpecifyKind(sentTime, DateTimeKind.Utc)).TotalSeconds));
    }
}
