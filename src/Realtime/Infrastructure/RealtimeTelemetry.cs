using System.Diagnostics;
using Microsoft.AspNetCore.SignalR;

namespace SoukLoop.Realtime.Infrastructure;

/// <summary>
/// A span per server event pushed to clients (<c>signalr.push offer:new</c>), a child of the consume span of the event
/// that caused it, so one trace runs from the REST call through the saga to the SignalR push.
/// </summary>
public static class RealtimeTelemetry
{
    public const string SourceName = ServiceDefaults.SoukMeters.RealtimePush;

    static readonly ActivitySource Source = new(SourceName);

    public static async Task PushAsync(this IClientProxy clients, string @event, object payload, CancellationToken cancellationToken)
    {
        using var activity = Source.StartActivity($"signalr.push {@event}", ActivityKind.Producer);
        activity?.SetTag("messaging.system", "signalr");
        activity?.SetTag("signalr.event", @event);
        await clients.SendAsync(@event, payload, cancellationToken);
    }
}
