using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace SoukLoop.Realtime.Tests.Infrastructure;

public record ReceivedEvent(string Name, JsonElement Payload, long At);

/// <summary>
/// A real SignalR client over WebSockets that records every server event (name and raw JSON payload) so tests can
/// wait for one, count them and check shapes exactly as a mobile client sees them.
/// </summary>
public sealed class TestClient : IAsyncDisposable
{
    public static readonly string[] ServerEvents =
    [
        "connected", "message:new", "message:delivered", "message:read", "messages:read", "typing:active", "typing:inactive",
        "user:online", "user:offline", "pong", "offer:new", "offer:created", "offer:updated", "offer:feed:new", "offer:feed:history", "error"
    ];

    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(20);

    readonly ConcurrentQueue<ReceivedEvent> _events = new();
    readonly SemaphoreSlim _signal = new(0);
    CancellationTokenSource? _heartbeats;
    Task? _heartbeatLoop;

    TestClient(HubConnection connection, Guid userId, string name)
    {
        Connection = connection;
        UserId = userId;
        Name = name;
        foreach (var name2 in ServerEvents)
        {
            var eventName = name2;
            connection.On<JsonElement>(eventName, payload =>
            {
                _events.Enqueue(new ReceivedEvent(eventName, payload.Clone(), Stopwatch.GetTimestamp()));
                _signal.Release();
            });
        }
    }

    public HubConnection Connection { get; }
    public Guid UserId { get; }
    public string Name { get; }
    public string? ConnectionId => Connection.ConnectionId;
    public IReadOnlyList<ReceivedEvent> Events => _events.ToArray();

    /// <summary>A client with the token as Authorization header (negotiate + WebSockets), the usual .NET client set-up.</summary>
    public static TestClient Create(AppProcess node, string? token, Guid userId, string? name = null) =>
        new(new HubConnectionBuilder()
            .WithUrl($"{node.BaseUrl}/hubs/realtime", o =>
            {
                o.Transports = HttpTransportType.WebSockets;
                if (token != null)
                    o.AccessTokenProvider = () => Task.FromResult<string?>(token);
            })
            .AddJsonProtocol(o => o.PayloadSerializerOptions.PropertyNamingPolicy = null)
            .Build(), userId, name ?? $"{userId:N}@{node.Name}");

    /// <summary>
    /// A client that puts the token into the URL as <c>access_token</c>: a raw WebSocket upgrade, or with
    /// <paramref name="negotiate"/> a negotiate request first and then the upgrade with <c>id</c> next to the token, as
    /// browsers do.
    /// </summary>
    public static TestClient CreateWithQueryToken(AppProcess node, string token, Guid userId, bool negotiate = false) =>
        new(new HubConnectionBuilder()
            .WithUrl($"{node.BaseUrl}/hubs/realtime?access_token={Uri.EscapeDataString(token)}", o =>
            {
                o.Transports = HttpTransportType.WebSockets;
                o.SkipNegotiation = !negotiate;
            })
            .AddJsonProtocol(o => o.PayloadSerializerOptions.PropertyNamingPolicy = null)
            .Build(), userId, $"{userId:N}@{node.Name}/query");

    public Task StartAsync() => Connection.StartAsync();

    /// <summary>Invokes a hub method with its one payload argument and waits for the invocation to complete.</summary>
    public Task InvokeAsync(string method, object? payload) => Connection.InvokeAsync(method, payload);

    /// <summary>Sends <c>heartbeat</c> every <paramref name="interval"/> until stopped, as an app in the foreground does.</summary>
    public void StartHeartbeats(TimeSpan interval)
    {
        _heartbeats = new CancellationTokenSource();
        var token = _heartbeats.Token;
        _heartbeatLoop = Task.Run(async () =>
        {
            while (!token.IsCancellationRequested)
            {
                try
                {
                    await Connection.InvokeAsync("heartbeat", new { }, token);
                    await Task.Delay(interval, token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                catch (Exception) when (Connection.State != HubConnectionState.Connected)
                {
                    return;
                }
            }
        }, token);
    }

    public async Task StopHeartbeatsAsync()
    {
        if (_heartbeats == null)
            return;
        await _heartbeats.CancelAsync();
        if (_heartbeatLoop != null)
            await _heartbeatLoop;
        _heartbeats.Dispose();
        _heartbeats = null;
    }

    public IReadOnlyList<JsonElement> All(string name, Func<JsonElement, bool>? where = null) =>
        _events.Where(e => e.Name == name && (where == null || where(e.Payload))).Select(e => e.Payload).ToList();

    public int Count(string name, Func<JsonElement, bool>? where = null) => All(name, where).Count;

    /// <summary>Waits for the first event of that name (and condition), already received or still to come.</summary>
    public async Task<JsonElement> WaitForAsync(string name, Func<JsonElement, bool>? where = null, TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)((timeout ?? DefaultWait).TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var found = _events.FirstOrDefault(e => e.Name == name && (where == null || where(e.Payload)));
            if (found != null)
                return found.Payload;
            var left = deadline - Stopwatch.GetTimestamp();
            if (left <= 0)
                throw new TimeoutException($"{Name} received no '{name}' event matching the condition. Received: " +
                                           string.Join(", ", _events.Select(e => $"{e.Name} {e.Payload.GetRawText()}")));
            await _signal.WaitAsync(TimeSpan.FromSeconds(Math.Min(0.25, (double)left / Stopwatch.Frequency)));
        }
    }

    /// <summary>Waits until <paramref name="count"/> events of that name (and condition) arrived.</summary>
    public async Task<IReadOnlyList<JsonElement>> WaitForCountAsync(string name, int count, Func<JsonElement, bool>? where = null,
        TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultWait);
        while (true)
        {
            var all = All(name, where);
            if (all.Count >= count)
                return all;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{Name} received {all.Count} '{name}' events, expected {count}.");
            await _signal.WaitAsync(TimeSpan.FromMilliseconds(250));
        }
    }

    /// <summary>
    /// The hub's "still processing" answer: the Workers did not answer within <c>Realtime:CommandTimeout</c>, the command stays
    /// queued and its event still arrives (docs/realtime.md "Errors"), so a client keeps waiting for the event instead of
    /// showing a refusal.
    /// </summary>
    public const string PendingCode = "request_timeout";

    /// <summary>The errors that refused something: every <c>error</c> except the pending answer (<see cref="PendingCode"/>).</summary>
    public IReadOnlyList<JsonElement> Refusals() => All("error", e => e.GetProperty("code").GetString() != PendingCode);

    /// <summary>The error the hub answered to this connection, e.g. after an invocation it refused.</summary>
    public Task<JsonElement> WaitForErrorAsync(string code, TimeSpan? timeout = null) =>
        WaitForAsync("error", e => e.GetProperty("code").GetString() == code, timeout);

    public void Clear()
    {
        while (_events.TryDequeue(out _))
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopHeartbeatsAsync();
        await Connection.DisposeAsync();
        _signal.Dispose();
    }
}

public static class JsonAssert
{
    /// <summary>The payload is an object with exactly these property names (the contract's shape, nothing more or less).</summary>
    public static void HasExactly(JsonElement payload, params string[] names)
    {
        Assert.Equal(JsonValueKind.Object, payload.ValueKind);
        var actual = payload.EnumerateObject().Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal).ToArray();
        Assert.Equal(names.OrderBy(n => n, StringComparer.Ordinal).ToArray(), actual);
    }

    public static Guid Guid(this JsonElement payload, string name) => payload.GetProperty(name).GetGuid();

    public static string? String(this JsonElement payload, string name) => payload.GetProperty(name).GetString();
}
