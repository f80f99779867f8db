using Microsoft.Extensions.Options;
using SoukLoop.Realtime.Infrastructure;
using StackExchange.Redis;
using static SoukLoop.Realtime.State.RealtimeRedis;

namespace SoukLoop.Realtime.State;

/// <summary>
/// Typing indicators: <c>typing:{conversation}:{user}</c> with the typing timeout as expiry (seed: 5 s), and a sorted set
/// of deadlines the sweeper pops atomically, so exactly one node announces each expiry.
/// </summary>
public sealed class TypingStore(RealtimeRedis redis, IOptions<RealtimeOptions> options)
{
    const string StartScript = LuaNow + """
        redis.call('SET', KEYS[1], now, 'PX', ARGV[1])
        return redis.call('ZADD', KEYS[2], now + tonumber(ARGV[1]), ARGV[2])
        """;

    const string StopScript = """
        redis.call('DEL', KEYS[1])
        return redis.call('ZREM', KEYS[2], ARGV[1])
        """;

    const string PopExpiredScript = LuaNow + """
        local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
        if #due > 0 then redis.call('ZREM', KEYS[1], unpack(due)) end
        return due
        """;

    readonly long _timeoutMs = (long)Math.Ceiling(options.Value.TypingTimeout.TotalMilliseconds);

    /// <summary>Starts or extends typing; true when the user was not typing in that conversation before.</summary>
    public async Task<bool> StartAsync(Guid conversationId, Guid userId, Guid recipientId) =>
        (long)await redis.Database.ScriptEvaluateAsync(StartScript, [Keys.Typing(conversationId, userId), Keys.TypingDeadlines],
            [_timeoutMs, Member(conversationId, userId, recipientId)]) == 1;

    /// <summary>Stops typing; true when the user was typing.</summary>
    public async Task<bool> StopAsync(Guid conversationId, Guid userId, Guid recipientId) =>
        (long)await redis.Database.ScriptEvaluateAsync(StopScript, [Keys.Typing(conversationId, userId), Keys.TypingDeadlines],
            [Member(conversationId, userId, recipientId)]) == 1;

    /// <summary>Removes and returns the typing indicators whose time ran out.</summary>
    public async Task<IReadOnlyList<(Guid ConversationId, Guid UserId, Guid RecipientId)>> PopExpiredAsync(int max)
    {
        var result = (RedisResult[])(await redis.Database.ScriptEvaluateAsync(PopExpiredScript, [Keys.TypingDeadlines], [max]))!;
        var expired = new List<(Guid, Guid, Guid)>(result.Length);
        foreach (var item in result)
        {
            var parts = ((string)item!).Split('|');
            if (parts.Length == 3 && Guid.TryParse(parts[0], out var c) && Guid.TryParse(parts[1], out var u) && Guid.TryParse(parts[2], out var r))
                expired.Add((c, u, r));
        }
        return expired;
    }

    static string Member(Guid conversationId, Guid userId, Guid recipientId) => $"{conversationId}|{userId}|{recipientId}";
}
