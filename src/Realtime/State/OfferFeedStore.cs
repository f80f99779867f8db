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
/// </summary>
public sealed class OfferFeedStore(RealtimeRedis redis, IOptions<RealtimeOptions> options)
{
    const string AppendScript = """
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
    const string UpdateScript = """
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

    /// <summary>Adds a new offer at the head of the feed; false when it is already there.</summary>
    public async Task<bool> AppendAsync(FeedOffer offer) =>
        (long)await redis.Database.ScriptEvaluateAsync(AppendScript, [Keys.ProductOffers(offer.ProductId)],
            [Serialize(offer), offer.Id.ToString(), _options.FeedSize, (long)_options.FeedExpiry.TotalMilliseconds]) == 1;

    /// <summary>Refreshes an offer that is still in the feed (new status or price); false when it is not there.</summary>
    public async Task<bool> UpdateAsync(FeedOffer offer) =>
        (long)await redis.Database.ScriptEvaluateAsync(UpdateScript, [Keys.ProductOffers(offer.ProductId)],
            [Serialize(offer), offer.Id.ToString()]) == 1;

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
