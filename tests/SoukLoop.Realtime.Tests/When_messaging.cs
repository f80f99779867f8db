using SoukLoop.Realtime.Tests.Infrastructure;

namespace SoukLoop.Realtime.Tests;

/// <summary>
/// Alice and Bob each on two devices, one on each node; Carol, a stranger, also on both nodes. Every event reaches
/// exactly the devices it is meant for, once, and Carol never sees any of it.
/// </summary>
[Collection(ClusterCollection.Name)]
public class When_messaging(RealtimeCluster cluster) : IAsyncLifetime
{
    static readonly string[] MessageFields =
        ["id", "conversation_id", "sender_id", "message_type", "content", "image_urls", "offer_data", "is_read", "created_at", "client_message_id"];

    Guid _alice, _bob, _carol, _conversation;
    TestClient _alicePhone = null!, _aliceTablet = null!, _bobPhone = null!, _bobTablet = null!, _carolPhone = null!, _carolTablet = null!;

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
        _carolPhone = await cluster.ConnectAsync(_carol, cluster.Node1, "carol-phone");
        _carolTablet = await cluster.ConnectAsync(_carol, cluster.Node2, "carol-tablet");
    }

    public async Task DisposeAsync()
    {
        foreach (var client in new[] { _alicePhone, _aliceTablet, _bobPhone, _bobTablet, _carolPhone, _carolTablet })
            await client.DisposeAsync();
    }

    IEnumerable<TestClient> Carol => [_carolPhone, _carolTablet];

    [Fact]
    public async Task A_sent_message_is_new_on_every_device_of_the_recipient_and_delivered_on_every_device_of_the_sender()
    {
        await _alicePhone.InvokeAsync("message:send",
            new { conversation_id = _conversation, message_type = "text", content = "Is the lamp still available?", client_message_id = "c-1" });

        foreach (var device in new[] { _bobPhone, _bobTablet })
        {
            var message = await device.WaitForAsync("message:new");
            JsonAssert.HasExactly(message, MessageFields);
            Assert.Equal(_conversation, message.Guid("conversation_id"));
            Assert.Equal(_alice, message.Guid("sender_id"));
            Assert.Equal("text", message.String("message_type"));
            Assert.Equal("Is the lamp still available?", message.String("content"));
            Assert.Equal("c-1", message.String("client_message_id"));
            Assert.EndsWith("Z", message.String("created_at"));
        }
        foreach (var device in new[] { _alicePhone, _aliceTablet })
        {
            var delivered = await device.WaitForAsync("message:delivered");
            JsonAssert.HasExactly(delivered, MessageFields);
            Assert.Equal("c-1", delivered.String("client_message_id"));
        }

        await Task.Delay(1000);
        Assert.All(new[] { _bobPhone, _bobTablet }, d => Assert.Equal(1, d.Count("message:new")));
        Assert.All(new[] { _alicePhone, _aliceTablet }, d => Assert.Equal(1, d.Count("message:delivered")));
        Assert.All(new[] { _alicePhone, _aliceTablet }, d => Assert.Equal(0, d.Count("message:new")));
        Assert.All(new[] { _bobPhone, _bobTablet }, d => Assert.Equal(0, d.Count("message:delivered")));
        Assert.All(Carol, c => Assert.DoesNotContain(c.Events, e => e.Name.StartsWith("message")));
    }

    [Fact]
    public async Task Joining_the_conversation_marks_it_read_and_the_other_side_gets_messages_read()
    {
        await _alicePhone.InvokeAsync("message:send", new { conversation_id = _conversation, message_type = "text", content = "Hello" });
        await _bobPhone.WaitForAsync("message:new");

        await _bobTablet.InvokeAsync("conversation:join", new { conversation_id = _conversation });

        foreach (var device in new[] { _alicePhone, _aliceTablet })
        {
            var read = await device.WaitForAsync("messages:read");
            JsonAssert.HasExactly(read, "conversation_id", "reader_id");
            Assert.Equal(_conversation, read.Guid("conversation_id"));
            Assert.Equal(_bob, read.Guid("reader_id"));
        }
        await Task.Delay(1000);
        Assert.All(new[] { _alicePhone, _aliceTablet }, d => Assert.Equal(1, d.Count("messages:read")));
        Assert.All(new[] { _bobPhone, _bobTablet }, d => Assert.Equal(0, d.Count("messages:read")));
        Assert.All(Carol, c => Assert.Empty(c.All("messages:read")));
        Assert.All(new[] { _bobPhone, _bobTablet }, d => Assert.Empty(d.Refusals()));
    }

    [Fact]
    public async Task Reading_one_message_sends_a_read_receipt_to_the_sender_only()
    {
        await _alicePhone.InvokeAsync("message:send", new { conversation_id = _conversation, message_type = "text", content = "Price?" });
        var message = await _bobPhone.WaitForAsync("message:new");
        var messageId = message.Guid("id");

        await _bobPhone.InvokeAsync("message:read", new { message_id = messageId });

        foreach (var device in new[] { _alicePhone, _aliceTablet })
        {
            var read = await device.WaitForAsync("message:read");
            JsonAssert.HasExactly(read, "conversation_id", "message_id", "reader_id", "read_at");
            Assert.Equal(messageId, read.Guid("message_id"));
            Assert.Equal(_bob, read.Guid("reader_id"));
        }
        await Task.Delay(1000);
        Assert.All(new[] { _alicePhone, _aliceTablet }, d => Assert.Equal(1, d.Count("message:read")));
        Assert.All(new[] { _bobPhone, _bobTablet }, d => Assert.Equal(0, d.Count("message:read")));
        Assert.All(Carol, c => Assert.Empty(c.All("message:read")));
    }

    [Fact]
    public async Task An_image_message_carries_its_urls()
    {
        await _bobTablet.InvokeAsync("message:send", new
        {
            conversation_id = _conversation, message_type = "image", image_urls = new[] { "https://cdn.example.test/a.jpg", "https://cdn.example.test/b.jpg" }
        });

        var message = await _aliceTablet.WaitForAsync("message:new");
        Assert.Equal("image", message.String("message_type"));
        Assert.Equal(2, message.GetProperty("image_urls").GetArrayLength());
    }

    [Fact]
    public async Task A_stranger_can_neither_join_nor_write_to_the_conversation()
    {
        await _carolPhone.InvokeAsync("conversation:join", new { conversation_id = _conversation });
        var error = await _carolPhone.WaitForErrorAsync("conversation_not_found");
        JsonAssert.HasExactly(error, "code", "detail");

        await _carolPhone.InvokeAsync("message:send", new { conversation_id = _conversation, message_type = "text", content = "hi" });
        await _carolPhone.WaitForCountAsync("error", 2, e => e.String("code") == "conversation_not_found");

        await _carolPhone.InvokeAsync("typing:start", new { conversation_id = _conversation });
        await _carolPhone.WaitForCountAsync("error", 3, e => e.String("code") == "conversation_not_found");

        // An unknown conversation answers exactly the same: nothing tells a stranger the conversation exists.
        await _carolPhone.InvokeAsync("conversation:join", new { conversation_id = Guid.NewGuid() });
        await _carolPhone.WaitForCountAsync("error", 4, e => e.String("code") == "conversation_not_found");

        // Alice writing afterwards does not reach Carol through any group.
        await _alicePhone.InvokeAsync("message:send", new { conversation_id = _conversation, message_type = "text", content = "private" });
        await _bobPhone.WaitForAsync("message:new", m => m.String("content") == "private");
        await Task.Delay(1000);
        Assert.All(Carol, c => Assert.DoesNotContain(c.Events, e => e.Name.StartsWith("message") || e.Name.StartsWith("typing")));
        Assert.Empty(_carolTablet.Refusals());
        Assert.Empty(_bobPhone.All("typing:active"));
    }

    [Fact]
    public async Task Sending_past_the_per_user_budget_is_rate_limited_like_REST()
    {
        // The cluster runs with Messages:SendBurst = 3 and 6 a minute (the Api's settings, shared by the hub).
        for (var i = 1; i <= 4; i++)
            await _alicePhone.InvokeAsync("message:send", new { conversation_id = _conversation, message_type = "text", content = $"burst {i}" });

        var limited = await _alicePhone.WaitForErrorAsync("rate_limited");
        Assert.StartsWith("Too many messages.", limited.String("detail"));
        await _bobPhone.WaitForCountAsync("message:new", 3);
        await Task.Delay(1000);
        Assert.Equal(3, _bobPhone.Count("message:new"));
        Assert.Single(_alicePhone.Refusals());
        Assert.Empty(_aliceTablet.Refusals());
    }

    [Fact]
    public async Task A_message_of_the_wrong_shape_is_refused_before_it_reaches_the_workers()
    {
        await _alicePhone.InvokeAsync("message:send", new { conversation_id = _conversation, message_type = "offer", content = "100" });
        await _alicePhone.WaitForErrorAsync("message_type_reserved");

        await _alicePhone.InvokeAsync("message:send", new { conversation_id = _conversation, message_type = "text", content = "   " });
        await _alicePhone.WaitForErrorAsync("validation_failed");

        await _alicePhone.InvokeAsync("message:send", new { conversation_id = _conversation, message_type = "image", image_urls = new[] { "ftp://x/y.png" } });
        await _alicePhone.WaitForCountAsync("error", 2, e => e.String("code") == "validation_failed");

        await Task.Delay(1000);
        Assert.All(new[] { _bobPhone, _bobTablet }, d => Assert.Empty(d.All("message:new")));
        Assert.Empty(_aliceTablet.Refusals());
    }
}
