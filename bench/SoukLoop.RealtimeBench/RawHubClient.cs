using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace SoukLoop.RealtimeBench;

/// <summary>
/// A minimal client of the SignalR JSON hub protocol over one WebSocket: handshake, fire-and-forget invocations,
/// pings, and a receive loop that stamps each frame on arrival. Thousands of these fit in the benchmark process
/// without their own weight drowning the server's figures (the tests use the official client).
/// </summary>
public sealed class RawHubClient : IAsyncDisposable
{
    const byte RecordSeparator = 0x1e;
    static readonly byte[] Ping = Encoding.UTF8.GetBytes("{\"type\":6}\u001e");

    readonly ClientWebSocket _socket = new();
    readonly SemaphoreSlim _send = new(1, 1);
    readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly CancellationTokenSource _stop = new();
    Task? _receiving;
    Task? _pinging;

    /// <summary>Called for every invocation the server sends: target, first argument, Stopwatch timestamp of arrival.</summary>
    public Action<string, JsonElement, long>? OnEvent { get; set; }

    public static async Task<RawHubClient> ConnectAsync(Uri hub, CancellationToken cancellationToken)
    {
        var client = new RawHubClient();
        client._socket.Options.KeepAliveInterval = TimeSpan.Zero;
        await client._socket.ConnectAsync(hub, cancellationToken);
        await client.SendAsync(Encoding.UTF8.GetBytes("{\"protocol\":\"json\",\"version\":1}\u001e"), cancellationToken);
        client._receiving = Task.Run(client.ReceiveLoopAsync, CancellationToken.None);
        client._pinging = Task.Run(client.PingLoopAsync, CancellationToken.None);
        await client._connected.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        return client;
    }

    public Task InvokeAsync(string target, object argument, CancellationToken cancellationToken) =>
        SendAsync(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { type = 1, target, arguments = new[] { argument } }) + "\u001e"),
            cancellationToken);

    /// <summary>SignalR closes a connection that sends nothing for 30 s (ClientTimeoutInterval): ping every 10 s, as clients do.</summary>
    async Task PingLoopAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(10), _stop.Token);
                await SendAsync(Ping, _stop.Token);
            }
        }
        catch (Exception) when (_stop.IsCancellationRequested || _socket.State != WebSocketState.Open)
        {
        }
    }

    async Task SendAsync(byte[] frame, CancellationToken cancellationToken)
    {
        await _send.WaitAsync(cancellationToken);
        try
        {
            await _socket.SendAsync(frame, WebSocketMessageType.Text, true, cancellationToken);
        }
        finally
        {
            _send.Release();
        }
    }

    async Task ReceiveLoopAsync()
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        try
        {
            while (!_stop.IsCancellationRequested && _socket.State == WebSocketState.Open)
            {
                var result = await _socket.ReceiveAsync(buffer.GetMemory(1024), _stop.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                    break;
                buffer.Advance(result.Count);
                if (!result.EndOfMessage)
                    continue;
                var arrived = System.Diagnostics.Stopwatch.GetTimestamp();
                Dispatch(buffer.WrittenSpan, arrived);
                buffer.ResetWrittenCount();
            }
        }
        catch (Exception) when (_stop.IsCancellationRequested || _socket.State != WebSocketState.Open)
        {
        }
        _connected.TrySetException(new InvalidOperationException("The connection closed before 'connected'."));
    }

    void Dispatch(ReadOnlySpan<byte> frames, long arrived)
    {
        while (frames.Length > 0)
        {
            var end = frames.IndexOf(RecordSeparator);
            if (end < 0)
                return;
            var record = frames[..end];
            frames = frames[(end + 1)..];
            if (record.Length <= 2)
                continue; // the handshake answer "{}"
            using var document = JsonDocument.Parse(record.ToArray());
            var root = document.RootElement;
            if (!root.TryGetProperty("type", out var type) || type.GetInt32() != 1)
                continue;
            var target = root.GetProperty("target").GetString()!;
            if (target == "connected")
                _connected.TrySetResult();
            var arguments = root.GetProperty("arguments");
            OnEvent?.Invoke(target, arguments.GetArrayLength() > 0 ? arguments[0].Clone() : default, arrived);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            if (_socket.State == WebSocketState.Open)
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (Exception)
        {
        }
        foreach (var task in new[] { _receiving, _pinging })
            if (task != null)
                await task.WaitAsync(TimeSpan.FromSeconds(2)).ContinueWith(_ => { }, TaskScheduler.Default);
        _socket.Dispose();
        _send.Dispose();
        _stop.Dispose();
    }
}
