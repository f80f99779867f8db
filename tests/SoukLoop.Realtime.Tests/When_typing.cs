using System.Diagnostics;
using SoukLoop.Realtime.Tests.Infrastructure;

namespace SoukLoop.Realtime.Tests;

[Collection(ClusterCollection.Name)]
public class When_typing(RealtimeCluster cluster) : IAsyncLifetime
{
    Guid _alice, _bob, _carol, _conversation;
    TestClient _alicePhone = null!, _aliceTablet = null!, _bobPhone = null!, _bobTablet = null!, _carolPhone = null!;

    public async Task InitializeAsync()
    {
        _alice = await cluster.CreateUserAsync("Alice");
        _bob = await cluster.CreateUserAsync("Bob");
        _carol = await cluster.CreateUserAsync("Carol");
        _conversation = await cluster.CreateConversationAsync(_bob, _alice);
        _alicePhone = await cluster.ConnectAsync(_alice, cluster.Node1, "alice-phone");
        _aliceTablet = await cluster.ConnectAsync(_alice, cluster.Node2, "alice-tablet");
        _bobPhone = await cluster.ConnectAsync(_bob, cluster.Node1, "bob-phone");
        _bobTablet = await cluster.ConnectAsync(_bob, cluster.Node2, "bob-tablet");
        _carolPhone = await cluster.ConnectAsync(_carol, cluster.Node2, "carol-phone");
    }

    public async Task DisposeAsync()
    {
        foreach (var client in new[] { _alicePhone, _aliceTablet, _bobPhone, _bobTablet, _carolPhone })
            await client.DisposeAsync();
    }

    [Fact]
    public async Task Typing_start_and_stop_reach_every_device_of_the_other_participant_once()
    {
        await _alicePhone.InvokeAsync("typing:start", new { conversation_id = _conversation });
        foreach (var device in new[] { _bobPhone, _bobTablet })
        {
            var active = await device.WaitForAsync("typing:active");
            JsonAssert.HasExactly(active, "conversation_id", "user_id");
            Assert.Equal(_conversation, active.Guid("conversation_id"));
            Assert.Equal(_alice, active.Guid("user_id"));
        }

        // Typing on: repeated starts only extend it.
        await _alicePhone.InvokeAsync("typing:start", new { conversation_id = _conversation });
        await _alicePhone.InvokeAsync("typing:stop", new { conversation_id = _conversation });
        foreach (var device in new[] { _bobPhone, _bobTablet })
        {
            var inactive = await device.WaitForAsync("typing:inactive");
            JsonAssert.HasExactly(inactive, "conversation_id", "user_id");
            Assert.Equal(_alice, inactive.Guid("user_id"));
        }

        // Nothing more comes when the (already stopped) indicator's time would have run out.
        await Task.Delay(RealtimeCluster.TypingTimeout + TimeSpan.FromSeconds(1));
        foreach (var device in new[] { _bobPhone, _bobTablet })
        {
            Assert.Equal(1, device.Count("typing:active"));
            Assert.Equal(1, device.Count("typing:inactive"));
        }
        foreach (var device in new[] { _alicePhone, _aliceTablet, _carolPhone })
            Assert.DoesNotContain(device.Events, e => e.Name.StartsWith("typing"));
        Assert.False(await cluster.Redis.KeyExistsAsync($"typing:{_conversation}:{_alice}"));
    }

    [Fact]
    public async Task Typing_expires_by_itself_after_the_typing_timeout()
    {
        var started = Stopwatch.StartNew();
        await _bobTablet.InvokeAsync("typing:start", new { conversation_id = _conversation });
        await _alicePhone.WaitForAsync("typing:active");
        Assert.True(await cluster.Redis.KeyExistsAsync($"typing:{_conversation}:{_bob}"), "typing:{conversation}:{user} is set while typing");

        foreach (var device in new[] { _alicePhone, _aliceTablet })
        {
            var inactive = await device.WaitForAsync("typing:inactive", timeout: TimeSpan.FromSeconds(10));
            Assert.Equal(_bob, inactive.Guid("user_id"));
        }
        var elapsed = started.Elapsed;
        Assert.True(elapsed >= RealtimeCluster.TypingTimeout - TimeSpan.FromMilliseconds(100),
            $"typing:inactive came after {elapsed.TotalMilliseconds:0} ms, before the {RealtimeCluster.TypingTimeout.TotalMilliseconds:0} ms timeout");
        Assert.False(await cluster.Redis.KeyExistsAsync($"typing:{_conversation}:{_bob}"));

        // The two nodes both sweep; the expiry is announced once.
        await Task.Delay(1000);
        Assert.All(new[] { _alicePhone, _aliceTablet }, d => Assert.Equal(1, d.Count("typing:inactive")));
        Assert.DoesNotContain(_carolPhone.Events, e => e.Name.StartsWith("typing"));
    }

    [Fact]
    public async Task Typing_again_after_expiry_is_announced_again()
    {
        await _alicePhone.InvokeAsync("typing:start", new { conversation_id = _conversation });
        await _bobPhone.WaitForAsync("typing:inactive", timeout: TimeSpan.FromSeconds(10));
        await _alicePhone.InvokeAsync("typing:start", new { conversation_id = _conversation });
        await _bobPhone.WaitForCountAsync("typing:active", 2);
        await _bobPhone.WaitForCountAsync("typing:inactive", 2);
    }
}
