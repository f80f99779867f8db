using System.Diagnostics.Metrics;

namespace SoukLoop.ServiceDefaults;

/// <summary>
/// Every meter the apps export at <c>/metrics</c> (see docs/operations.md "What to watch"). Instruments live next to the
/// code that counts: <c>SoukLoop.Offers</c> in the Workers (OfferMetrics), <c>SoukLoop.Outbox</c> and
/// <c>SoukLoop.Scheduler</c> in Persistence; push and payment results are defined here for the Realtime and payment code.
/// </summary>
public static class SoukMeters
{
    /// <summary>MassTransit's own meter and activity source (receive/consume/send/publish counts and durations, spans).</summary>
    public const string MassTransit = "MassTransit";
    public const string Offers = "SoukLoop.Offers";
    public const string Outbox = "SoukLoop.Outbox";
    public const string Scheduler = "SoukLoop.Scheduler";
    public const string Push = "SoukLoop.Push";
    public const string Payments = "SoukLoop.Payments";
    /// <summary>Activity source of the Realtime node's pushes (<c>signalr.push &lt;event&gt;</c> spans).</summary>
    public const string RealtimePush = "SoukLoop.Realtime";

    public static readonly string[] All = [MassTransit, Offers, Outbox, Scheduler, Push, Payments];
}

/// <summary>Meter <c>SoukLoop.Push</c>: one count per push attempt (SignalR or FCM), tagged with its channel and result.</summary>
public static class PushMetrics
{
    static readonly Meter Meter = new(SoukMeters.Push);

    /// <summary><c>souk.push.results{channel=signalr|fcm, result=delivered|no_connection|failed|invalid_token}</c></summary>
    public static readonly Counter<long> Results = Meter.CreateCounter<long>("souk.push.results", description: "Push notifications by channel and result");

    public static void Record(string channel, string result) =>
        Results.Add(1, new KeyValuePair<string, object?>("channel", channel), new KeyValuePair<string, object?>("result", result));
}

/// <summary>Meter <c>SoukLoop.Payments</c>: one count per payment step result, tagged with its provider, step and result.</summary>
public static class PaymentMetrics
{
    static readonly Meter Meter = new(SoukMeters.Payments);

    /// <summary><c>souk.payments.results{provider=stripe, step=intent|webhook|refund, result=succeeded|failed|…}</c></summary>
    public static readonly Counter<long> Results = Meter.CreateCounter<long>("souk.payments.results", description: "Payment steps by provider, step and result");

    public static void Record(string provider, string step, string result) =>
        Results.Add(1, new KeyValuePair<string, object?>("provider", provider), new KeyValuePair<string, object?>("step", step),
            new KeyValuePair<string, object?>("result", result));
}
