using System.Diagnostics;
using SoukLoop.Realtime.Tests.Infrastructure;

namespace SoukLoop.Realtime.Tests;

/// <summary>
/// Presence of Alice as seen by Pat (they have a conversation) and Carol (a stranger). The cluster runs with a presence
/// timeout of a few seconds (Realtime:PresenceTimeout) so the heartbeat expiry can be watched.
/// </summary>
[Collection(ClusterCollection.Name)]
public class When_tracking_presence(RealtimeCluster cluster) : IAsyncLifetime
{
    static readonly TimeSpan HeartbeatEvery = TimeSpan.FromMilliseconds(700);
    Guid _alice, _pat, _carol;
    TestClient _pat1 = null!, _pat2 = null!, _carolPhone = null!;

    public async Task InitializeAsync()
    {
        _alice = await cluster.CreateUserAsync("Alice");
        _pat = await cluster.CreateUserAsync("Pat");
        _carol = await cluster.CreateUserAsync("Carol");
        await cluster.CreateConversationAsync(_pat, _alice);
        _pat1 = await cluster.ConnectAsync(_pat, cluster.Node1, "pat-phone");
        _pat2 = await cluster.ConnectAsync(_pat, cluster.Node2, "pat-tablet");
        _carolPhone = await cluster.ConnectAsync(_carol, cluster.Node1, "carol-phone");
        foreach (var client in new[] { _pat1, _pat2, _carolPhone })
            client.StartHeartbeats(HeartbeatEvery);
    }

    public async Task DisposeAsync()
    {
        foreach (var client in new[] { _pat1, _pat2, _carolPhone })
            await client.DisposeAsync();
    }

    static Func<System.Text.Json.JsonElement, bool> About(Guid user) => e => e.Guid("user_id") == user;

    [Fact]
    public async Task A_user_on_several_devices_comes_online_once_and_goes_offline_only_after_the_last_device()
    {
        var phone = await cluster.ConnectAsync(_alice, cluster.Node1, "alice-phone");
        phone.StartHeartbeats(HeartbeatEvery);
        foreach (var device in new[] { _pat1, _pat2 })
        {
            var online = await device.WaitForAsync("user:online", About(_alice));
            JsonAssert.HasExactly(online, "user_id");
        }

        var tablet = await cluster.ConnectAsync(_alice, cluster.Node2, "alice-tablet");
        tablet.StartHeartbeats(HeartbeatEvery);
        Assert.True(await cluster.Redis.SetContainsAsync("ws:online_users", _alice.ToString()));
        Assert.Equal(2, await cluster.Redis.SetLengthAsync($"ws:user:{_alice}"));
        Assert.True(await cluster.Redis.KeyExistsAsync($"ws:heartbeat:{tablet.ConnectionId}"));

        // Heartbeats keep Alice online well past the presence timeout.
        await Task.Delay(RealtimeCluster.PresenceTimeout + TimeSpan.FromSeconds(1.5));
        Assert.All(new[] { _pat1, _pat2 }, d => Assert.Equal(1, d.Count("user:online", About(_alice))));
        Assert.All(new[] { _pat1, _pat2 }, d => Assert.Equal(0, d.Count("user:offline", About(_alice))));

        await phone.DisposeAsync();
        await Task.Delay(1500);
        Assert.All(new[] { _pat1, _pat2 }, d => Assert.Equal(0, d.Count("user:offline", About(_alice))));
        Assert.Equal(1, await cluster.Redis.SetLengthAsync($"ws:user:{_alice}"));

        await tablet.DisposeAsync();
        foreach (var device in new[] { _pat1, _pat2 })
        {
            var offline = await device.WaitForAsync("user:offline", About(_alice));
            JsonAssert.HasExactly(offline, "user_id");
        }
        await Task.Delay(1000);
        Assert.All(new[] { _pat1, _pat2 }, d => Assert.Equal(1, d.Count("user:offline", About(_alice))));
        Assert.False(await cluster.Redis.SetContainsAsync("ws:online_users", _alice.ToString()));
        Assert.Equal(0, await cluster.Redis.SetLengthAsync($"ws:user:{_alice}"));
        Assert.DoesNotContain(_carolPhone.Events, e => e.Name.StartsWith("user:") && e.Payload.Guid("user_id") == _alice);
    }

    [Fact]
    public async Task A_connection_without_heartbeat_goes_offline_after_the_presence_timeout_and_a_heartbeat_brings_it_back()
    {
        var started = Stopwatch.StartNew();
        await using var phone = await cluster.ConnectAsync(_alice, cluster.Node2, "alice-phone");
        await _pat1.WaitForAsync("user:online", About(_alice));

        var offline = await _pat1.WaitForAsync("user:offline", About(_alice), TimeSpan.FromSeconds(20));
        var elapsed = started.Elapsed;
        Assert.True(elapsed >= RealtimeCluster.PresenceTimeout - TimeSpan.FromMilliseconds(200),
            $"offline after {elapsed.TotalMilliseconds:0} ms, before the {RealtimeCluster.PresenceTimeout.TotalMilliseconds:0} ms timeout");
        Assert.Equal(_alice, offline.Guid("user_id"));
        await _pat2.WaitForAsync("user:offline", About(_alice));
        Assert.False(await cluster.Redis.SetContainsAsync("ws:online_users", _alice.ToString()));

        // Still connected: a heartbeat answers pong and makes Alice online again.
        await phone.InvokeAsync("heartbeat", new { });
        await phone.WaitForAsync("pong");
        foreach (var device in new[] { _pat1, _pat2 })
            await device.WaitForCountAsync("user:online", 2, About(_alice));

        await Task.Delay(500);
        Assert.All(new[] { _pat1, _pat2 }, d => Assert.Equal(1, d.Count("user:offline", About(_alice))));
        Assert.DoesNotContain(_carolPhone.Events, e => e.Name.StartsWith("user:") && e.Payload.Guid("user_id") == _alice);
    }

    [Fact]
    public async Task A_silent_device_does_not_take_a_live_device_offline()
    {
        await using var silent = await cluster.ConnectAsync(_alice, cluster.Node1, "alice-old-phone");
        await using var live = await cluster.ConnectAsync(_alice, cluster.Node2, "alice-tablet");
        live.StartHeartbeats(HeartbeatEvery);
        await _pat1.WaitForAsync("user:online", About(_alice));

        await Task.Delay(RealtimeCluster.PresenceTimeout + TimeSpan.FromSeconds(1.5));
        Assert.Equal(1, await cluster.Redis.SetLengthAsync($"ws:user:{_alice}"));
        Assert.True(await cluster.Redis.SetContainsAsync("ws:online_users", _alice.ToString()));
        Assert.Equal(0, _pat1.Count("user:offline", About(_alice)));
        Assert.Equal(1, _pat1.Count("user:online", About(_alice)));
    }
}
