using Microsoft.Extensions.Options;
using SoukLoop.Realtime.Infrastructure;
using StackExchange.Redis;
using StackExchange.Redis.KeyspaceIsolation;

namespace SoukLoop.Realtime.State;

/// <summary>The Redis database of the realtime state, with the configured key prefix applied to every key.</summary>
public sealed class RealtimeRedis(IConnectionMultiplexer redis, IOptions<RealtimeOptions> options)
{
    readonly string _prefix = options.Value.RedisKeyPrefix;

    public IDatabase Database => _prefix.Length == 0 ? redis.GetDatabase() : redis.GetDatabase().WithKeyPrefix(_prefix);

    /// <summary>The seed's keys (report 3.2 and 3.3), plus the two sorted sets the sweeper reads.</summary>
    public static class Keys
    {
        public const string OnlineUsers = "ws:online_users";
        public static string UserConnections(Guid userId) => $"ws:user:{userId}";
        public static string Connection(string connectionId) => $"ws:sid:{connectionId}";
        public static string Heartbeat(string connectionId) => $"ws:heartbeat:{connectionId}";

        /// <summary>Sorted set "connection|user" scored by the time the connection stops counting without a heartbeat.</summary>
        public const string HeartbeatDeadlines = "ws:heartbeat_deadlines";

        public static string Typing(Guid conversationId, Guid userId) => $"typing:{conversationId}:{userId}";

        /// <summary>Sorted set "conversation|typist|recipient" scored by the time the typing indicator expires.</summary>
        public const string TypingDeadlines = "typing:deadlines";

        public static string ProductOffers(Guid productId) => $"offers:product:{productId}";

        /// <summary>The newest version of an offer this cluster has applied (<see cref="OfferFeedStore"/>).</summary>
        public static string OfferVersion(Guid offerId) => $"offers:version:{offerId}";
    }

    /// <summary>The server's clock in Unix milliseconds, so every node agrees on deadlines.</summary>
    public const string LuaNow = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        """;
}
