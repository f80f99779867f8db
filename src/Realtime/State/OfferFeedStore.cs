using System.Text.Json;
using Microsoft.Extensions.Options;
using SoukLoop.Realtime.Hubs;
using SoukLoop.Realtime.Infrastructure;
using StackExchange.Redis;
using static SoukLoop.Realtime.State.RealtimeRedis;

namespace SoukLoop.Realtime.State;

/// <summary>
/// The scrolling offers feed of a product: Redis list <c>offers:product:{product_id}</c>, newest first, capped at the
/// last <see cref="RealtimeOptions.FeedSize"/> offers (seed: 20) and expiring <see cref="RealtimeOptions.FeedExpiry"/>
/// after the last new offer (seed: 1 h). Appends are idempotent per offer id, so a redelivered OfferMade adds nothing.
/// Events of one offer arrive on several queues and may be redelivered late, so every change also checks the offer's
/// newest applied version (<c>offers:version:{offer_id}</c>) in the same script: an older snapshot is
/// <see cref="FeedChange.Stale"/>, changes nothing, and its consumer pushes nothing.
/// </summary>
public sealed class OfferFeedStore(RealtimeRedis redis, IOptions<RealtimeOptions> options)
{
    // KEYS[2]/ARGV[5..6]: the version gate shared by both scripts; version 0 (an unnumbered snapshot) always passes.
    const string VersionGate = """
        local version = tonumber(ARGV[5])
        if version > 0 then
          local seen = redis.call('GET', KEYS[2])
          if seen and tonumber(seen) > version then return -1 end
          redis.call('SET', KEYS[2], version, 'PX', ARGV[6])
        end
        """;

    const string AppendScript = VersionGate + "\n" + """
        local items = redis.call('LRANGE', KEYS[1], 0, -1)
        for _, v in ipairs(items) do
          local ok, entry = pcall(cjson.decode, v)
          if ok and entry['id'] == ARGV[2] then return 0 end
        end
        redis.call('LPUSH', KEYS[1], ARGV[1])
        redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[3]) - 1)
        redis.call('PEXPIRE', KEYS[1], ARGV[4])
        return 1
        """;

    // Replaces the entry of the same offer (its status changed); keeps the list's expiry.
    const string UpdateScript = VersionGate + "\n" + """
        local items = redis.call('LRANGE', KEYS[1], 0, -1)
        for i, v in ipairs(items) do
          local ok, entry = pcall(cjson.decode, v)
          if ok and entry['id'] == ARGV[2] then
            redis.call('LSET', KEYS[1], i - 1, ARGV[1])
            return 1
          end
        end
        return 0
        """;

    readonly RealtimeOptions _options = options.Value;

    /// <summary>Adds a new offer at the head of the feed (<see cref="FeedChange.Unchanged"/> when it is already there).</summary>
    public Task<FeedChange> AppendAsync(FeedOffer offer, int version) => RunAsync(AppendScript, offer, version);

    /// <summary>Refreshes an offer that is still in the feed (new status or price).</summary>
    public Task<FeedChange> UpdateAsync(FeedOffer offer, int version) => RunAsync(UpdateScript, offer, version);

    async Task<FeedChange> RunAsync(string script, FeedOffer offer, int version) =>
        (FeedChange)(int)(long)await redis.Database.ScriptEvaluateAsync(script,
            [Keys.ProductOffers(offer.ProductId), Keys.OfferVersion(offer.Id)],
            [Serialize(offer), offer.Id.ToString(), _options.FeedSize, (long)_options.FeedExpiry.TotalMilliseconds, version,
                (long)_options.OfferVersionRetention.TotalMilliseconds]);

    /// <summary>The feed, newest first.</summary>
    public async Task<IReadOnlyList<FeedOffer>> HistoryAsync(Guid productId)
    {
        var items = await redis.Database.ListRangeAsync(Keys.ProductOffers(productId), 0, _options.FeedSize - 1);
        var offers = new List<FeedOffer>(items.Length);
        foreach (var item in items)
        {
            try
            {
                if (JsonSerializer.Deserialize<FeedOffer>((string)item!, RealtimeJson.Options) is { } offer)
                    offers.Add(offer);
            }
            catch (JsonException)
            {
                // A foreign or damaged entry is skipped rather than breaking the whole feed.
            }
        }
        return offers;
    }

    static string Serialize(FeedOffer offer) => JsonSerializer.Serialize(offer, RealtimeJson.Options);
}

/// <summary>What an offer event did to the feed.</summary>
public enum FeedChange
{
    /// <summary>A newer state of the offer was applied before: nothing changed, nothing is to be pushed.</summary>
    Stale = -1,

    /// <summary>The offer's state is the newest, but the feed list did not change (already there, or no longer listed).</summary>
    Unchanged = 0,

    /// <summary>The feed list changed.</summary>
    Changed = 1
}
