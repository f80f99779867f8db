using Microsoft.Extensions.Options;
using SoukLoop.Realtime.Infrastructure;
using StackExchange.Redis;
using static SoukLoop.Realtime.State.RealtimeRedis;

namespace SoukLoop.Realtime.State;

/// <summary>
/// Presence in Redis, shared by every node: <c>ws:online_users</c> (set of online user ids), <c>ws:user:{id}</c> (set of
/// the user's live connection ids), <c>ws:sid:{connection}</c> (its user) and <c>ws:heartbeat:{connection}</c> (last
/// heartbeat, expiring after the presence timeout). A user is online while at least one connection is registered and
/// has sent a heartbeat within the timeout. Each change runs as one Lua script, so concurrent connects, disconnects and
/// sweeps on several nodes decide "came online" / "went offline" exactly once.
/// </summary>
public sealed class PresenceStore(RealtimeRedis redis, IOptions<RealtimeOptions> options)
{
    const string RegisterScript = LuaNow + """
        redis.call('SADD', KEYS[1], ARGV[1])
        redis.call('SET', KEYS[2], now, 'PX', ARGV[3])
        redis.call('SET', KEYS[3], ARGV[2], 'PX', ARGV[3])
        redis.call('ZADD', KEYS[4], now + tonumber(ARGV[3]), ARGV[1] .. '|' .. ARGV[2])
        return redis.call('SADD', KEYS[5], ARGV[2])
        """;

    // ARGV[4] = 'sweep': only if the deadline really passed (another node may have seen a heartbeat meanwhile).
    const string UnregisterScript = LuaNow + """
        local member = ARGV[1] .. '|' .. ARGV[2]
        if ARGV[4] == 'sweep' then
          local score = redis.call('ZSCORE', KEYS[4], member)
          if not score or tonumber(score) > now then return -1 end
        end
        local removed = redis.call('ZREM', KEYS[4], member)
        redis.call('SREM', KEYS[1], ARGV[1])
        redis.call('DEL', KEYS[2], KEYS[3])
        if removed == 0 then return -1 end
        if redis.call('SCARD', KEYS[1]) == 0 then return redis.call('SREM', KEYS[5], ARGV[2]) end
        return 0
        """;

    const string DueScript = LuaNow + """
        return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
        """;

    readonly long _timeoutMs = (long)Math.Ceiling(options.Value.PresenceTimeout.TotalMilliseconds);

    /// <summary>Registers a new connection; true when the user was offline until now.</summary>
    public async Task<bool> ConnectAsync(Guid userId, string connectionId) => await RegisterAsync(userId, connectionId);

    /// <summary>
    /// Refreshes the connection's heartbeat. A connection the sweeper had already dropped (silent for longer than the
    /// timeout) registers again; true when that brings the user back online.
    /// </summary>
    public async Task<bool> HeartbeatAsync(Guid userId, string connectionId) => await RegisterAsync(userId, connectionId);

    /// <summary>Removes a closed connection; true when it was the user's last one.</summary>
    public async Task<bool> DisconnectAsync(Guid userId, string connectionId) =>
        (long)await Run(UnregisterScript, userId, connectionId, "close") == 1;

    /// <summary>Drops a connection whose heartbeat deadline passed; true when the user thereby went offline.</summary>
    public async Task<bool> ExpireAsync(Guid userId, string connectionId) =>
        (long)await Run(UnregisterScript, userId, connectionId, "sweep") == 1;

    /// <summary>Connections whose heartbeat deadline has passed (at most <paramref name="max"/>).</summary>
    public async Task<IReadOnlyList<(Guid UserId, string ConnectionId)>> DueAsync(int max)
    {
        var result = (RedisResult[])(await redis.Database.ScriptEvaluateAsync(DueScript, [Keys.HeartbeatDeadlines], [max]))!;
        var due = new List<(Guid, string)>(result.Length);
        foreach (var item in result)
        {
            var member = (string)item!;
            var split = member.LastIndexOf('|');
            if (split > 0 && Guid.TryParse(member[(split + 1)..], out var userId))
                due.Add((userId, member[..split]));
        }
        return due;
    }

    public async Task<bool> IsOnlineAsync(Guid userId) => await redis.Database.SetContainsAsync(Keys.OnlineUsers, userId.ToString());

    async Task<bool> RegisterAsync(Guid userId, string connectionId) =>
        (long)(await redis.Database.ScriptEvaluateAsync(RegisterScript,
            [Keys.UserConnections(userId), Keys.Heartbeat(connectionId), Keys.Connection(connectionId), Keys.HeartbeatDeadlines, Keys.OnlineUsers],
            [connectionId, userId.ToString(), _timeoutMs])) == 1;

    Task<RedisResult> Run(string script, Guid userId, string connectionId, string mode) =>
        redis.Database.ScriptEvaluateAsync(script,
            [Keys.UserConnections(userId), Keys.Heartbeat(connectionId), Keys.Connection(connectionId), Keys.HeartbeatDeadlines, Keys.OnlineUsers],
            [connectionId, userId.ToString(), _timeoutMs, mode]);
}
