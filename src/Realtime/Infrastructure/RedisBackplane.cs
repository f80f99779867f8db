using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace SoukLoop.Realtime.Infrastructure;

/// <summary>
/// The backplane of the Realtime nodes: ONE Redis pub/sub subscription per node, not one per connection and per group
/// as the stock Redis backplane keeps (a channel message queue per subscription, several KB per idle connection).
/// Connections and groups live in an inner <see cref="DefaultHubLifetimeManager{THub}"/>, which delivers to this node's
/// connections. A send that may reach connections on other nodes (all, groups, users, a connection held elsewhere) is
/// published once on the cluster channel with its target and exclusions, then delivered locally; every other node
/// delivers it to its own connections. A node ignores its own messages (the 32-character node id in front of each).
/// Arguments travel as JSON written with the JSON hub protocol's payload options, the only protocol the node speaks,
/// so a remote client receives the same bytes as a local one. Joining or leaving a group for a connection held by
/// another node is forwarded the same way (without waiting for that node).
/// <para>
/// Users (<c>Clients.User</c>, every device of one user — most events go there) are indexed here, not in the inner
/// manager: it finds a user's connections by scanning all of them, and a group per user would cost every connection a
/// concurrent dictionary of its own (about 0.6 KB). Here a user is one entry holding an array of their connections.
/// </para>
/// </summary>
public sealed partial class RedisBackplane<THub> : HubLifetimeManager<THub>, IDisposable where THub : Hub
{
    readonly DefaultHubLifetimeManager<THub> _local;
    readonly ConcurrentDictionary<string, byte> _connections = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, HubConnectionContext[]> _users = new(StringComparer.Ordinal);
    readonly Lock _usersLock = new();
    readonly IConnectionMultiplexer _redis;
    readonly RedisChannel _channel;
    readonly JsonSerializerOptions _payload;
    readonly ILogger _logger;
    readonly byte[] _node = Encoding.ASCII.GetBytes(Guid.NewGuid().ToString("N"));
    readonly SemaphoreSlim _subscribing = new(1, 1);
    volatile ChannelMessageQueue? _queue;

    public RedisBackplane(
        IConnectionMultiplexer redis, IOptions<RealtimeOptions> options, IOptions<JsonHubProtocolOptions> protocol,
        ILogger<DefaultHubLifetimeManager<THub>> localLogger, ILogger<RedisBackplane<THub>> logger)
    {
        _local = new DefaultHubLifetimeManager<THub>(localLogger);
        _redis = redis;
        _channel = RedisChannel.Literal($"{options.Value.BackplaneChannelPrefix}:{typeof(THub).FullName}");
        _payload = protocol.Value.PayloadSerializerOptions;
        _logger = logger;
    }

    public override async Task OnConnectedAsync(HubConnectionContext connection)
    {
        // The node must hear the cluster before any of its connections can be a target.
        await EnsureSubscribedAsync();
        _connections.TryAdd(connection.ConnectionId, 0);
        await _local.OnConnectedAsync(connection);
        if (connection.UserIdentifier is { } user)
            lock (_usersLock)
                _users[user] = _users.TryGetValue(user, out var devices) ? [.. devices, connection] : [connection];
    }

    public override async Task OnDisconnectedAsync(HubConnectionContext connection)
    {
        if (connection.UserIdentifier is { } user)
            lock (_usersLock)
            {
                if (_users.TryGetValue(user, out var devices))
                {
                    var rest = Array.FindAll(devices, c => c != connection);
                    if (rest.Length == 0)
                        _users.TryRemove(user, out _);
                    else
                        _users[user] = rest;
                }
            }
        await _local.OnDisconnectedAsync(connection);
        _connections.TryRemove(connection.ConnectionId, out _);
    }

    /// <summary>Sends to every local connection of these users; the message is serialized once for all of them.</summary>
    Task SendLocalUsersAsync(IReadOnlyList<string> userIds, string methodName, object?[] args, CancellationToken cancellationToken)
    {
        SerializedHubMessage? message = null;
        List<Task>? pending = null;
        foreach (var user in userIds)
        {
            if (!_users.TryGetValue(user, out var devices))
                continue;
            message ??= new SerializedHubMessage(new InvocationMessage(methodName, args));
            foreach (var connection in devices)
            {
                var write = connection.WriteAsync(message, cancellationToken);
                if (!write.IsCompletedSuccessfully)
                    (pending ??= []).Add(write.AsTask());
            }
        }
        return pending is null ? Task.CompletedTask : Task.WhenAll(pending);
    }

    public override async Task SendAllAsync(string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        await PublishAsync(Target.All, [], [], methodName, args);
        await _local.SendAllAsync(methodName, args, cancellationToken);
    }

    public override async Task SendAllExceptAsync(string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds,
        CancellationToken cancellationToken = default)
    {
        await PublishAsync(Target.All, [], excludedConnectionIds, methodName, args);
        await _local.SendAllExceptAsync(methodName, args, excludedConnectionIds, cancellationToken);
    }

    public override async Task SendConnectionAsync(string connectionId, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        if (!_connections.ContainsKey(connectionId))
            await PublishAsync(Target.Connections, [connectionId], [], methodName, args);
        else
            await _local.SendConnectionAsync(connectionId, methodName, args, cancellationToken);
    }

    public override async Task SendConnectionsAsync(IReadOnlyList<string> connectionIds, string methodName, object?[] args,
        CancellationToken cancellationToken = default)
    {
        var remote = connectionIds.Where(id => !_connections.ContainsKey(id)).ToList();
        if (remote.Count > 0)
            await PublishAsync(Target.Connections, remote, [], methodName, args);
        if (remote.Count < connectionIds.Count)
            await _local.SendConnectionsAsync(connectionIds, methodName, args, cancellationToken);
    }

    public override Task SendGroupAsync(string groupName, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        SendGroupsAsync([groupName], methodName, args, cancellationToken);

    public override async Task SendGroupsAsync(IReadOnlyList<string> groupNames, string methodName, object?[] args,
        CancellationToken cancellationToken = default)
    {
        await PublishAsync(Target.Groups, groupNames, [], methodName, args);
        await _local.SendGroupsAsync(groupNames, methodName, args, cancellationToken);
    }

    public override async Task SendGroupExceptAsync(string groupName, string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds,
        CancellationToken cancellationToken = default)
    {
        await PublishAsync(Target.Groups, [groupName], excludedConnectionIds, methodName, args);
        await _local.SendGroupExceptAsync(groupName, methodName, args, excludedConnectionIds, cancellationToken);
    }

    public override Task SendUserAsync(string userId, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        SendUsersAsync([userId], methodName, args, cancellationToken);

    public override async Task SendUsersAsync(IReadOnlyList<string> userIds, string methodName, object?[] args,
        CancellationToken cancellationToken = default)
    {
        await PublishAsync(Target.Users, userIds, [], methodName, args);
        await SendLocalUsersAsync(userIds, methodName, args, cancellationToken);
    }

    public override Task AddToGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default) =>
        _connections.ContainsKey(connectionId)
            ? _local.AddToGroupAsync(connectionId, groupName, cancellationToken)
            : PublishAsync(Target.GroupAdd, [connectionId], [groupName], null, []);

    public override Task RemoveFromGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default) =>
        _connections.ContainsKey(connectionId)
            ? _local.RemoveFromGroupAsync(connectionId, groupName, cancellationToken)
            : PublishAsync(Target.GroupRemove, [connectionId], [groupName], null, []);

    // Client results work for this node's connections only (the hub does not use them).
    public override Task<T> InvokeConnectionAsync<T>(string connectionId, string methodName, object?[] args, CancellationToken cancellationToken) =>
        _local.InvokeConnectionAsync<T>(connectionId, methodName, args, cancellationToken);

    public override Task SetConnectionResultAsync(string connectionId, CompletionMessage result) =>
        _local.SetConnectionResultAsync(connectionId, result);

    public override bool TryGetReturnType(string invocationId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Type? type) =>
        _local.TryGetReturnType(invocationId, out type);

    async Task EnsureSubscribedAsync()
    {
        if (_queue != null)
            return;
        await _subscribing.WaitAsync();
        try
        {
            if (_queue != null)
                return;
            var queue = await _redis.GetSubscriber().SubscribeAsync(_channel);
            // One queue, handled in order: what one node publishes reaches every other node in the order it was sent.
            queue.OnMessage(OnMessageAsync);
            _queue = queue;
        }
        finally
        {
            _subscribing.Release();
        }
    }

    /// <summary>The node id, then {"t": target kind, "ids": [...], "x": [...], "m": method, "a": [arguments]}.</summary>
    Task PublishAsync(Target target, IReadOnlyList<string> ids, IReadOnlyList<string> extra, string? methodName, object?[] args)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        buffer.Write(_node);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("t", (int)target);
            WriteStrings(writer, "ids", ids);
            WriteStrings(writer, "x", extra);
            if (methodName != null)
                writer.WriteString("m", methodName);
            writer.WriteStartArray("a");
            foreach (var arg in args)
            {
                if (arg is null)
                    writer.WriteNullValue();
                else
                    JsonSerializer.Serialize(writer, arg, arg.GetType(), _payload);
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        return _redis.GetSubscriber().PublishAsync(_channel, buffer.WrittenMemory);
    }

    static void WriteStrings(Utf8JsonWriter writer, string name, IReadOnlyList<string> values)
    {
        writer.WriteStartArray(name);
        foreach (var value in values)
            writer.WriteStringValue(value);
        writer.WriteEndArray();
    }

    async Task OnMessageAsync(ChannelMessage message)
    {
        try
        {
            ReadOnlyMemory<byte> bytes = message.Message;
            if (bytes.Length <= _node.Length || bytes.Span[.._node.Length].SequenceEqual(_node))
                return;
            await DeliverAsync(bytes[_node.Length..]);
        }
        catch (Exception ex)
        {
            LogDeliveryFailed(_logger, ex);
        }
    }

    async Task DeliverAsync(ReadOnlyMemory<byte> json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var target = (Target)root.GetProperty("t").GetInt32();
        var ids = Strings(root.GetProperty("ids"));
        var extra = Strings(root.GetProperty("x"));
        var method = root.TryGetProperty("m", out var m) ? m.GetString() : null;
        var args = root.GetProperty("a").EnumerateArray().Select(a => (object?)a).ToArray();

        switch (target)
        {
            case Target.All when extra.Count == 0:
                await _local.SendAllAsync(method!, args);
                break;
            case Target.All:
                await _local.SendAllExceptAsync(method!, args, extra);
                break;
            case Target.Connections:
                var local = ids.Where(_connections.ContainsKey).ToList();
                if (local.Count > 0)
                    await _local.SendConnectionsAsync(local, method!, args);
                break;
            case Target.Groups when extra.Count == 0:
                await _local.SendGroupsAsync(ids, method!, args);
                break;
            case Target.Groups:
                foreach (var group in ids)
                    await _local.SendGroupExceptAsync(group, method!, args, extra);
                break;
            case Target.Users:
                await SendLocalUsersAsync(ids, method!, args, CancellationToken.None);
                break;
            case Target.GroupAdd when _connections.ContainsKey(ids[0]):
                await _local.AddToGroupAsync(ids[0], extra[0]);
                break;
            case Target.GroupRemove when _connections.ContainsKey(ids[0]):
                await _local.RemoveFromGroupAsync(ids[0], extra[0]);
                break;
        }
    }

    static List<string> Strings(JsonElement array)
    {
        var list = new List<string>(array.GetArrayLength());
        foreach (var item in array.EnumerateArray())
            list.Add(item.GetString()!);
        return list;
    }

    public void Dispose()
    {
        _queue?.Unsubscribe();
        _subscribing.Dispose();
    }

    enum Target
    {
        All = 0,
        Connections = 1,
        Groups = 2,
        Users = 3,
        GroupAdd = 4,
        GroupRemove = 5
    }

    [LoggerMessage(LogLevel.Error, "A backplane message from another node could not be delivered")]
    static partial void LogDeliveryFailed(ILogger logger, Exception exception);
}
