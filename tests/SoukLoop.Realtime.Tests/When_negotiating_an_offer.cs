using System.Text.Json;
using SoukLoop.Realtime.Tests.Infrastructure;

namespace SoukLoop.Realtime.Tests;

/// <summary>
/// The offer flow over the hub against the real offer saga in the Workers: the hub sends the same commands as REST,
/// and the saga's events come back to exactly the right devices. Buyer and seller each have a device on both nodes, a
/// watcher follows the product's feed, and a stranger sees nothing.
/// </summary>
[Collection(ClusterCollection.Name)]
public class When_negotiating_an_offer(RealtimeCluster cluster) : IAsyncLifetime
{
    static readonly string[] OfferFields =
    [
        "id", "product_id", "buyer_id", "seller_id", "conversation_id", "offered_price", "counter_price", "status", "awaiting", "round",
        "expires_at", "created_at", "updated_at", "transaction", "product", "other_user_id"
    ];

    Guid _seller, _buyer, _stranger, _watcher, _product;
    TestClient _seller1 = null!, _seller2 = null!, _buyer1 = null!, _buyer2 = null!, _stranger1 = null!, _stranger2 = null!, _watcher1 = null!;

    public async Task InitializeAsync()
    {
        _seller = await cluster.CreateUserAsync("Seller");
        _buyer = await cluster.CreateUserAsync("Buyer");
        _stranger = await cluster.CreateUserAsync("Stranger");
        _watcher = await cluster.CreateUserAsync("Watcher");
        _product = await cluster.CreateProductAsync(_seller, 100m);
        _seller1 = await cluster.ConnectAsync(_seller, cluster.Node1, "seller-1");
        _seller2 = await cluster.ConnectAsync(_seller, cluster.Node2, "seller-2");
        _buyer1 = await cluster.ConnectAsync(_buyer, cluster.Node1, "buyer-1");
        _buyer2 = await cluster.ConnectAsync(_buyer, cluster.Node2, "buyer-2");
        _stranger1 = await cluster.ConnectAsync(_stranger, cluster.Node1, "stranger-1");
        _stranger2 = await cluster.ConnectAsync(_stranger, cluster.Node2, "stranger-2");
        _watcher1 = await cluster.ConnectAsync(_watcher, cluster.Node2, "watcher");
        await _watcher1.InvokeAsync("offer:feed:subscribe", new { product_id = _product });
        await _watcher1.WaitForAsync("offer:feed:history");
    }

    public async Task DisposeAsync()
    {
        foreach (var client in new[] { _seller1, _seller2, _buyer1, _buyer2, _stranger1, _stranger2, _watcher1 })
            await client.DisposeAsync();
    }

    TestClient[] Seller => [_seller1, _seller2];
    TestClient[] Buyer => [_buyer1, _buyer2];
    TestClient[] Strangers => [_stranger1, _stranger2];

    [Fact]
    public async Task Every_move_reaches_each_party_device_exactly_once_and_no_one_else()
    {
        // Make: offer:new to the seller (awaited), offer:created to the buyer, offer:feed:new to the watcher.
        await _buyer1.InvokeAsync("offer:create", new { product_id = _product, offered_price = 70m, message = "Would you take 70?" });
        foreach (var device in Seller)
        {
            var offer = await device.WaitForAsync("offer:new");
            JsonAssert.HasExactly(offer, OfferFields);
            Assert.Equal("pending", offer.String("status"));
            Assert.Equal("seller", offer.String("awaiting"));
            Assert.Equal(70m, offer.GetProperty("offered_price").GetDecimal());
            Assert.Equal(_buyer, offer.Guid("other_user_id"));
        }
        foreach (var device in Buyer)
        {
            var created = await device.WaitForAsync("offer:created");
            JsonAssert.HasExactly(created, OfferFields);
            Assert.Equal(_seller, created.Guid("other_user_id"));
        }
        var chip = await _watcher1.WaitForAsync("offer:feed:new");
        JsonAssert.HasExactly(chip, "id", "product_id", "offered_price", "counter_price", "currency", "status", "round", "created_at", "updated_at");
        var offerId = chip.Guid("id");
        Assert.Equal(_product, chip.Guid("product_id"));

        // Not the buyer's turn: an error to the calling device only, nothing changes.
        await _buyer2.InvokeAsync("offer:respond", new { offer_id = offerId, action = "accept" });
        var notYourTurn = await _buyer2.WaitForErrorAsync("not_your_turn");
        JsonAssert.HasExactly(notYourTurn, "code", "detail");

        // A stranger learns nothing about the offer.
        await _stranger1.InvokeAsync("offer:respond", new { offer_id = offerId, action = "decline" });
        await _stranger1.WaitForErrorAsync("offer_not_found");

        // Counter by the seller: offer:updated to every device of both parties.
        await _seller2.InvokeAsync("offer:respond", new { offer_id = offerId, action = "counter", counter_price = 85m });
        foreach (var device in Seller.Concat(Buyer))
        {
            var updated = await device.WaitForAsync("offer:updated", o => o.String("status") == "countered");
            JsonAssert.HasExactly(updated, OfferFields);
            Assert.Equal("buyer", updated.String("awaiting"));
            Assert.Equal(85m, updated.GetProperty("counter_price").GetDecimal());
        }

        // Accept by the buyer: the sale, with the transaction; the payment secret only in the buyer's copy.
        await _buyer1.InvokeAsync("offer:respond", new { offer_id = offerId, action = "accept" });
        foreach (var device in Buyer)
        {
            var accepted = await device.WaitForAsync("offer:updated", o => o.String("status") == "accepted");
            var transaction = accepted.GetProperty("transaction");
            Assert.Equal(85m, transaction.GetProperty("amount").GetDecimal());
            Assert.Equal("stripe", transaction.GetProperty("payment").GetProperty("provider").GetString());
        }
        foreach (var device in Seller)
        {
            var accepted = await device.WaitForAsync("offer:updated", o => o.String("status") == "accepted");
            Assert.Equal(JsonValueKind.Null, accepted.GetProperty("transaction").GetProperty("payment").GetProperty("client_secret").ValueKind);
        }

        await Task.Delay(1500);
        Assert.All(Seller, d => Assert.Equal(1, d.Count("offer:new")));
        Assert.All(Seller, d => Assert.Equal(0, d.Count("offer:created")));
        Assert.All(Buyer, d => Assert.Equal(1, d.Count("offer:created")));
        Assert.All(Buyer, d => Assert.Equal(0, d.Count("offer:new")));
        Assert.All(Seller.Concat(Buyer), d => Assert.Equal(2, d.Count("offer:updated")));
        Assert.Equal(1, _watcher1.Count("offer:feed:new"));
        Assert.Equal(0, _watcher1.Count("offer:updated") + _watcher1.Count("offer:new") + _watcher1.Count("offer:created"));
        Assert.Single(_buyer2.Refusals());
        Assert.Empty(_buyer1.Refusals());
        Assert.All(Seller, d => Assert.Empty(d.Refusals()));
        Assert.All(Strangers, d => Assert.DoesNotContain(d.Events, e => e.Name.StartsWith("offer")));
        Assert.Empty(_stranger2.Refusals());

        // The feed follows the offer's status.
        await using var late = await cluster.ConnectAsync(_stranger, cluster.Node1, "late-watcher");
        await late.InvokeAsync("offer:feed:subscribe", new { product_id = _product });
        var history = await late.WaitForAsync("offer:feed:history");
        var entry = Assert.Single(history.GetProperty("items").EnumerateArray());
        Assert.Equal(offerId, entry.Guid("id"));
        Assert.Equal("accepted", entry.String("status"));
    }

    [Fact]
    public async Task Declined_withdrawn_and_expired_offers_are_updates_to_both_parties()
    {
        // Declined through the hub and the saga.
        await _buyer2.InvokeAsync("offer:create", new { product_id = _product, offered_price = 60m });
        var offer = await _seller1.WaitForAsync("offer:new");
        await _seller1.InvokeAsync("offer:respond", new { offer_id = offer.Guid("id"), action = "decline", message = "Too low" });
        foreach (var device in Seller.Concat(Buyer))
            await device.WaitForAsync("offer:updated", o => o.String("status") == "declined");

        // Withdrawn and expired come from REST and the scheduler; their events are published here directly.
        foreach (var status in new[] { "withdrawn", "expired" })
        {
            var now = DateTime.UtcNow;
            var snapshot = new Contracts.OfferSnapshot(Guid.NewGuid(), _product, "Vintage lamp", _buyer, _seller, Guid.NewGuid(), status, null, 65m,
                null, 100m, "USD", "community", 1, null, now, now, null);
            if (status == "withdrawn")
                await cluster.Bus.Publish(new Contracts.OfferWithdrawn(snapshot.OfferId, snapshot, _buyer, now));
            else
                await cluster.Bus.Publish(new Contracts.OfferExpired(snapshot.OfferId, snapshot, null, now));
            foreach (var device in Seller.Concat(Buyer))
            {
                var updated = await device.WaitForAsync("offer:updated", o => o.Guid("id") == snapshot.OfferId);
                Assert.Equal(status, updated.String("status"));
                Assert.Equal(JsonValueKind.Null, updated.GetProperty("awaiting").ValueKind);
            }
        }

        await Task.Delay(1000);
        Assert.All(Seller.Concat(Buyer), d => Assert.Equal(3, d.Count("offer:updated")));
        Assert.All(Strangers, d => Assert.DoesNotContain(d.Events, e => e.Name.StartsWith("offer")));
        Assert.Equal(0, _watcher1.Count("offer:updated"));
    }

    [Fact]
    public async Task A_late_older_event_is_not_pushed_over_a_newer_state()
    {
        // The saga numbers its snapshots (OfferSnapshot.Version); events travel on separate queues and a redelivery
        // can come late. Made (v1), declined (v3), then a late counter (v2): the parties and the feed keep "declined".
        var now = DateTime.UtcNow;
        var offerId = Guid.NewGuid();
        Contracts.OfferSnapshot Snapshot(string status, int version, string? awaiting) => new(offerId, _product, "Vintage lamp", _buyer,
            _seller, Guid.NewGuid(), status, awaiting, 65m, version > 1 ? 80m : null, 100m, "USD", "community", version, null, now, now.AddSeconds(version),
            null, version);

        await cluster.Bus.Publish(new Contracts.OfferMade(offerId, Snapshot("pending", 1, "seller"), _buyer, null, now));
        await _buyer1.WaitForAsync("offer:created", o => o.Guid("id") == offerId);
        await _watcher1.WaitForAsync("offer:feed:new", o => o.Guid("id") == offerId);

        await cluster.Bus.Publish(new Contracts.OfferDeclined(offerId, Snapshot("declined", 3, null), _seller, "declined", now));
        foreach (var device in Seller.Concat(Buyer))
            await device.WaitForAsync("offer:updated", o => o.Guid("id") == offerId && o.String("status") == "declined");

        await cluster.Bus.Publish(new Contracts.OfferCountered(offerId, Snapshot("countered", 2, "buyer"), _seller, 80m, null, now));
        // A marker published after the late event on the same queue: once it arrives, the late one was consumed.
        var marker = Guid.NewGuid();
        var markerSnapshot = Snapshot("countered", 2, "buyer") with { OfferId = marker };
        await cluster.Bus.Publish(new Contracts.OfferCountered(marker, markerSnapshot, _seller, 80m, null, now));
        foreach (var device in Seller.Concat(Buyer))
            await device.WaitForAsync("offer:updated", o => o.Guid("id") == marker);
        await Task.Delay(1500); // the other node may still hold the late event (two consumers per queue)

        Assert.All(Seller.Concat(Buyer), d => Assert.Equal(1, d.Count("offer:updated", o => o.Guid("id") == offerId)));
        await using var late = await cluster.ConnectAsync(_stranger, cluster.Node1, "late-watcher");
        await late.InvokeAsync("offer:feed:subscribe", new { product_id = _product });
        var history = await late.WaitForAsync("offer:feed:history");
        var entry = Assert.Single(history.GetProperty("items").EnumerateArray(), o => o.Guid("id") == offerId);
        Assert.Equal("declined", entry.String("status"));
    }

    [Fact]
    public async Task A_refused_offer_is_an_error_to_the_caller_with_the_sagas_code()
    {
        await _seller1.InvokeAsync("offer:create", new { product_id = _product, offered_price = 50m });
        await _seller1.WaitForErrorAsync("cannot_offer_on_own_product");

        await _buyer1.InvokeAsync("offer:create", new { product_id = _product, offered_price = 150m });
        await _buyer1.WaitForErrorAsync("price_not_below_list");

        await _buyer1.InvokeAsync("offer:create", new { product_id = Guid.NewGuid(), offered_price = 10m });
        await _buyer1.WaitForErrorAsync("product_not_found");

        await _buyer1.InvokeAsync("offer:create", new { product_id = _product, offered_price = 10.123m });
        await _buyer1.WaitForErrorAsync("validation_failed");

        await Task.Delay(1000);
        Assert.Equal(0, _watcher1.Count("offer:feed:new"));
        Assert.All(Seller, d => Assert.Equal(0, d.Count("offer:new")));
        Assert.Empty(_buyer2.Refusals());
        Assert.Empty(_seller2.Refusals());
    }
}
