using SoukLoop.Realtime.Tests.Infrastructure;

namespace SoukLoop.Realtime.Tests;

[Collection(ClusterCollection.Name)]
public class When_watching_the_offer_feed(RealtimeCluster cluster)
{
    [Fact]
    public async Task After_25_offers_the_history_holds_the_last_20_newest_first_and_expires_within_an_hour()
    {
        var seller = await cluster.CreateUserAsync("Seller");
        var product = await cluster.CreateProductAsync(seller, 500m);
        var buyers = new List<TestClient>();
        for (var i = 0; i < 5; i++)
            buyers.Add(await cluster.ConnectAsync(await cluster.CreateUserAsync($"Buyer {i}"), i % 2 == 0 ? cluster.Node1 : cluster.Node2));
        await using var watcher = await cluster.ConnectAsync(await cluster.CreateUserAsync("Watcher"), cluster.Node1);
        await watcher.InvokeAsync("offer:feed:subscribe", new { product_id = product });
        var empty = await watcher.WaitForAsync("offer:feed:history");
        Assert.Equal(0, empty.GetProperty("items").GetArrayLength());

        // 25 offers through the hub and the real saga, one after the other so their order is known.
        var made = new List<Guid>();
        for (var i = 0; i < 25; i++)
        {
            await buyers[i % buyers.Count].InvokeAsync("offer:create", new { product_id = product, offered_price = 100m + i });
            var chips = await watcher.WaitForCountAsync("offer:feed:new", i + 1);
            made.Add(chips[i].Guid("id"));
            Assert.Equal(100m + i, chips[i].GetProperty("offered_price").GetDecimal());
        }

        await using var late = await cluster.ConnectAsync(await cluster.CreateUserAsync("Late watcher"), cluster.Node2);
        await late.InvokeAsync("offer:feed:subscribe", new { product_id = product });
        var history = await late.WaitForAsync("offer:feed:history");
        JsonAssert.HasExactly(history, "product_id", "items");
        Assert.Equal(product, history.Guid("product_id"));
        var ids = history.GetProperty("items").EnumerateArray().Select(o => o.Guid("id")).ToList();
        Assert.Equal(20, ids.Count);
        Assert.Equal(made.Skip(5).Reverse().ToList(), ids);

        Assert.Equal(20, await cluster.Redis.ListLengthAsync($"offers:product:{product}"));
        var ttl = await cluster.Redis.KeyTimeToLiveAsync($"offers:product:{product}");
        Assert.NotNull(ttl);
        Assert.InRange(ttl!.Value, TimeSpan.FromMinutes(59), TimeSpan.FromHours(1));

        // Only the history's subscriber got it; offer:feed:new went to the product's watchers only.
        Assert.Equal(1, watcher.Count("offer:feed:history"));
        Assert.All(buyers, b => Assert.Equal(0, b.Count("offer:feed:new") + b.Count("offer:feed:history")));
        Assert.Equal(0, late.Count("offer:feed:new"));

        foreach (var buyer in buyers)
            await buyer.DisposeAsync();
    }

    [Fact]
    public async Task Unsubscribing_stops_the_feed_and_an_unknown_product_is_an_error()
    {
        var seller = await cluster.CreateUserAsync("Seller");
        var product = await cluster.CreateProductAsync(seller, 500m);
        await using var buyer = await cluster.ConnectAsync(await cluster.CreateUserAsync("Buyer"), cluster.Node1);
        await using var watcher = await cluster.ConnectAsync(await cluster.CreateUserAsync("Watcher"), cluster.Node2);

        await watcher.InvokeAsync("offer:feed:subscribe", new { product_id = Guid.NewGuid() });
        await watcher.WaitForErrorAsync("product_not_found");

        await watcher.InvokeAsync("offer:feed:subscribe", new { product_id = product });
        await watcher.WaitForAsync("offer:feed:history");
        await buyer.InvokeAsync("offer:create", new { product_id = product, offered_price = 300m });
        await watcher.WaitForAsync("offer:feed:new");

        await watcher.InvokeAsync("offer:feed:unsubscribe", new { product_id = product });
        await buyer.InvokeAsync("offer:create", new { product_id = product, offered_price = 310m });
        await buyer.WaitForCountAsync("offer:created", 2);
        await Task.Delay(1000);
        Assert.Equal(1, watcher.Count("offer:feed:new"));
        Assert.Equal(2, await cluster.Redis.ListLengthAsync($"offers:product:{product}"));
    }
}
