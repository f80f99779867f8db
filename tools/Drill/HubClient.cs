using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace SoukLoop.Drill;

/// <summary>
/// One device's SignalR connection (API.md "Realtime"): the token as the <c>access_token</c> query parameter over WebSockets,
/// automatic reconnect forever (a phone keeps trying), and a fresh start should the client give up. It keeps which messages it
/// saw pushed and how often it reconnected; after a reconnect the app reads REST (see <see cref="Scenario"/>).
/// </summary>
public sealed class HubClient : IAsyncDisposable
{
    readonly HubConnection _connection;
    readonly ILogger _logger;
    readonly CancellationTokenSource _stop = new();
    readonly ConcurrentDictionary<string, TaskCompletionSource<Guid>> _awaitingDelivery = new();

    public ConcurrentDictionary<Guid, byte> MessagesPushed { get; } = new();
    public int Reconnects;
    public int Restarts;
    public int Errors;
    public event Func<Task>? Reconnected;

    public HubClient(string realtimeUrl, string token, ILogger logger)
    {
        _logger = logger;
        _connection = new HubConnectionBuilder()
            .WithUrl($"{realtimeUrl}/hubs/realtime?access_token={Uri.EscapeDataString(token)}", o =>
            {
                o.Transports = HttpTransportType.WebSockets;
                o.SkipNegotiation = true;
            })
            .WithAutomaticReconnect(new ForeverRetry())
            .Build();
        _connection.On<JsonElement>("message:new", Seen);
        _connection.On<JsonElement>("message:delivered", payload =>
        {
            Seen(payload);
            var cmid = payload.TryGetProperty("client_message_id", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
            if (cmid != null && _awaitingDelivery.TryRemove(cmid, out var waiter) && payload.TryGetProperty("id", out var id))
                waiter.TrySetResult(id.GetGuid());
        });
        _connection.On<JsonElement>("error", _ => Interlocked.Increment(ref Errors));
        _connection.Reconnected += async _ =>
        {
            Interlocked.Increment(ref Reconnects);
            if (Reconnected != null)
                await Reconnected();
        };
        _connection.Closed += async _ =>
        {
            if (_stop.IsCancellationRequested)
                return;
            Interlocked.Increment(ref Restarts);
            await StartAsync();
            if (Reconnected != null)
                await Reconnected();
        };
    }

    public bool Connected => _connection.State == HubConnectionState.Connected;

    void Seen(JsonElement payload)
    {
        if (payload.TryGetProperty("id", out var id) && id.TryGetGuid(out var messageId))
            MessagesPushed.TryAdd(messageId, 0);
    }

    /// <summary>Connects, retrying every 2 s until it works or the drill stops.</summary>
    public async Task StartAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await _connection.StartAsync(_stop.Token);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !_stop.IsCancellationRequested)
            {
                _logger.LogDebug("hub connect failed: {Error}", ex.Message);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(2), _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// <c>message:send</c>; the stored message's id when <c>message:delivered</c> for this client_message_id came back within
    /// <paramref name="within"/> (the hub answers refusals and timeouts with an <c>error</c> event, never with the invocation).
    /// The invocation itself is bounded by the same wait: a hub that never completes it must not hold the client's step.
    /// </summary>
    public async Task<Guid?> SendMessageAsync(Guid conversationId, string content, string clientMessageId, TimeSpan within, CancellationToken ct)
    {
        var delivered = new TaskCompletionSource<Guid>(TaskCreationOptions.RunContinuationsAsynchronously);
        _awaitingDelivery[clientMessageId] = delivered;
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct, _stop.Token);
        wait.CancelAfter(within);
        try
        {
            await _connection.InvokeAsync("message:send", new JsonObject
            {
                ["conversation_id"] = conversationId.ToString(),
                ["message_type"] = "text",
                ["content"] = content,
                ["client_message_id"] = clientMessageId
            }, wait.Token);
            return await delivered.Task.WaitAsync(wait.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested && !_stop.IsCancellationRequested)
        {
            _logger.LogInformation("hub message:send {Cmid}: not confirmed within {Within}; the app resends it over REST", clientMessageId, within);
            return null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _logger.LogDebug("hub message:send {Cmid}: {Error}", clientMessageId, ex.Message);
            return null;
        }
        finally
        {
            _awaitingDelivery.TryRemove(clientMessageId, out _);
        }
    }

    public async Task<bool> HeartbeatAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _connection.InvokeAsync("heartbeat", new JsonObject(), timeout.Token);
            return true;
        }
        catch (Exception)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _connection.DisposeAsync();
    }

    sealed class ForeverRetry : IRetryPolicy
    {
        public TimeSpan? NextRetryDelay(RetryContext context) =>
            TimeSpan.FromMilliseconds(Math.Min(500 * (context.PreviousRetryCount + 1), 3000));
    }
}
