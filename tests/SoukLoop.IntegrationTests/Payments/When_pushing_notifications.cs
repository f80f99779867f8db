using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using SoukLoop.Contracts;
using StackExchange.Redis;

namespace SoukLoop.IntegrationTests.Payments;

[Collection(PaymentsCollection.Name)]
public class When_pushing_notifications(PaymentsFixture system)
{
    static string NewToken(string name) => $"{name}:{Guid.NewGuid():N}-APA91b";

    List<StandIns.FcmReceived> DeliveredTo(string token) => system.Fcm.Delivered.Where(m => m.Token == token).ToList();

    async Task<List<StandIns.FcmReceived>> DeliveredEventually(string token, int count) =>
        await OfferApi.Eventually(() => Task.FromResult(DeliveredTo(token)), l => l.Count >= count, TimeSpan.FromSeconds(20));

    MessageSent Chat(Guid sender, Guid recipient, string text = "Is it still available?") =>
        new(Guid.NewGuid(), Guid.NewGuid(), sender, recipient, "text", text, [], null, null, false, DateTime.UtcNow, 1, null);

    async Task Publish<T>(T message, Guid? messageId = null) where T : class
    {
        await using var handle = await system.BusAsync();
        await handle.Bus.Publish(message, c => { if (messageId is { } id) c.MessageId = id; });
    }

    [Fact]
    public async Task Should_push_an_offer_to_every_device_of_the_other_party_and_never_to_the_actor()
    {
        var seller = await system.CreateUserAsync();
        var buyer = await system.CreateUserAsync();
        var (android, ios, buyerPhone) = (NewToken("seller-android"), NewToken("seller-ios"), NewToken("buyer"));
        await seller.RegisterDevice(android, "android");
        await seller.RegisterDevice(ios, "ios");
        await buyer.RegisterDevice(buyerPhone, "android");
        var product = await system.CreateProductAsync(seller, 100m);

        var offer = await buyer.MakeOffer(product.Id, 60m);
        var conversation = offer.GetProperty("conversation_id").GetGuid();

        var toAndroid = Assert.Single(await DeliveredEventually(android, 1));
        var toIos = Assert.Single(await DeliveredEventually(ios, 1));
        foreach (var push in new[] { toAndroid, toIos })
        {
            Assert.Equal(system.ServiceAccount.ProjectId, push.Project);
            Assert.Equal("offer_made", (string?)push.Message["data"]!["type"]);
            Assert.Equal(offer.Id().ToString(), (string?)push.Message["data"]!["offer_id"]);
            Assert.Equal(conversation.ToString(), (string?)push.Message["data"]!["conversation_id"]);
            Assert.Equal("New offer", (string?)push.Message["notification"]!["title"]);
            Assert.Contains("60.00 USD", (string?)push.Message["notification"]!["body"]);
        }
        Assert.Equal($"conversation-{conversation}", (string?)toAndroid.Message["android"]!["collapse_key"]);
        Assert.Equal($"conversation-{conversation}", (string?)toIos.Message["apns"]!["payload"]!["aps"]!["thread-id"]);

        // The seller counters: now the buyer is told, and the seller (the actor) is not.
        var (status, _) = await seller.MoveApplied(offer.Id(), "counter", o => o.Status() == "countered", new { counter_price = 90m });
        Assert.Equal(HttpStatusCode.OK, status);
        var toBuyer = await DeliveredEventually(buyerPhone, 1);
        Assert.Equal("offer_countered", (string?)Assert.Single(toBuyer).Message["data"]!["type"]);
        await Task.Delay(1500);
        Assert.Single(DeliveredTo(android));
        Assert.Single(DeliveredTo(ios));
    }

    [Fact]
    public async Task Should_push_a_chat_message_only_to_an_offline_recipient()
    {
        var (sender, online, offline) = (await system.CreateUserAsync(), await system.CreateUserAsync(), await system.CreateUserAsync());
        var (onlinePhone, offlinePhone, senderPhone) = (NewToken("online"), NewToken("offline"), NewToken("sender"));
        await online.RegisterDevice(onlinePhone, "android");
        await offline.RegisterDevice(offlinePhone, "ios");
        await sender.RegisterDevice(senderPhone, "android");

        await using var redis = await ConnectionMultiplexer.ConnectAsync(TestEnvironment.Redis);
        await redis.GetDatabase().SetAddAsync("ws:online_users", online.Id.ToString());
        try
        {
            var toOffline = Chat(sender.Id, offline.Id, "Hello there");
            await Publish(Chat(sender.Id, online.Id));
            await Publish(toOffline);

            var push = Assert.Single(await DeliveredEventually(offlinePhone, 1));
            Assert.Equal("message", (string?)push.Message["data"]!["type"]);
            Assert.Equal(toOffline.MessageId.ToString(), (string?)push.Message["data"]!["message_id"]);
            Assert.Equal("Hello there", (string?)push.Message["notification"]!["body"]);
            Assert.Equal($"conversation-{toOffline.ConversationId}", (string?)push.Message["apns"]!["payload"]!["aps"]!["thread-id"]);
            await Task.Delay(1500);
            Assert.Empty(DeliveredTo(onlinePhone));
            Assert.Empty(DeliveredTo(senderPhone));
        }
        finally
        {
            await redis.GetDatabase().SetRemoveAsync("ws:online_users", online.Id.ToString());
        }
    }

    [Fact]
    public async Task Should_remove_device_tokens_fcm_calls_dead_and_still_reach_the_live_one()
    {
        var (sender, recipient) = (await system.CreateUserAsync(), await system.CreateUserAsync());
        var (gone, broken, live) = (NewToken("uninstalled"), NewToken("garbage"), NewToken("live"));
        foreach (var token in new[] { gone, broken, live })
            await recipient.RegisterDevice(token, "android");
        system.Fcm.Unregister(gone);
        system.Fcm.MakeInvalid(broken);

        await Publish(Chat(sender.Id, recipient.Id));

        Assert.Single(await DeliveredEventually(live, 1));
        await using var db = system.NewDbContext();
        var left = await OfferApi.Eventually(
            () => db.DeviceTokens.AsNoTracking().Where(d => d.UserId == recipient.Id).Select(d => d.Token).ToListAsync(),
            l => l.Count == 1, TimeSpan.FromSeconds(10));
        Assert.Equal([live], left);
        Assert.Contains(system.Fcm.Received, r => r.Token == gone && r is { Status: 404, ErrorCode: "UNREGISTERED" });
        Assert.Contains(system.Fcm.Received, r => r.Token == broken && r is { Status: 400, ErrorCode: "INVALID_ARGUMENT" });
    }

    [Fact]
    public async Task Should_retry_a_throttled_send_after_retry_after()
    {
        var (sender, recipient) = (await system.CreateUserAsync(), await system.CreateUserAsync());
        var token = NewToken("throttled");
        await recipient.RegisterDevice(token, "ios");

        system.Fcm.Throttle(count: 2, retryAfterSeconds: 1);
        await Publish(Chat(sender.Id, recipient.Id));

        Assert.Single(await DeliveredEventually(token, 1));
        var attempts = system.Fcm.Received.Where(r => r.Token == token).ToList();
        Assert.Equal([429, 429, 200], attempts.Select(a => a.Status));
        Assert.True(attempts[1].At - attempts[0].At >= TimeSpan.FromMilliseconds(900), $"waited {(attempts[1].At - attempts[0].At).TotalMilliseconds} ms");
        Assert.True(attempts[2].At - attempts[1].At >= TimeSpan.FromMilliseconds(900), $"waited {(attempts[2].At - attempts[1].At).TotalMilliseconds} ms");
    }

    [Fact]
    public async Task Should_not_push_twice_to_a_device_when_the_event_is_redelivered()
    {
        var (sender, recipient) = (await system.CreateUserAsync(), await system.CreateUserAsync());
        var (first, second) = (NewToken("one"), NewToken("two"));
        await recipient.RegisterDevice(first, "android");
        await recipient.RegisterDevice(second, "ios");

        var message = Chat(sender.Id, recipient.Id);
        var messageId = NewId.NextGuid();
        await Publish(message, messageId);
        await DeliveredEventually(first, 1);
        await DeliveredEventually(second, 1);
        // The broker hands the same message over again (a worker died before its ack), twice.
        await Publish(message, messageId);
        await Publish(message, messageId);

        await Task.Delay(2500);
        Assert.Single(DeliveredTo(first));
        Assert.Single(DeliveredTo(second));
        await using var db = system.NewDbContext();
        Assert.Equal(2, await db.PushDeliveries.CountAsync(p => p.EventMessageId == messageId && p.SentAt != null));
    }

    [Fact]
    public async Task Should_sign_the_oauth_assertion_as_the_service_account_for_the_messaging_scope()
    {
        var (sender, recipient) = (await system.CreateUserAsync(), await system.CreateUserAsync());
        var token = NewToken("oauth");
        await recipient.RegisterDevice(token, "android");
        await Publish(Chat(sender.Id, recipient.Id));
        await DeliveredEventually(token, 1);

        var assertion = system.Fcm.Assertions.First(a => a.Valid);
        Assert.Equal("RS256", (string?)assertion.Header["alg"]);
        Assert.Equal(system.ServiceAccount.PrivateKeyId, (string?)assertion.Header["kid"]);
        Assert.Equal(system.ServiceAccount.ClientEmail, (string?)assertion.Claims["iss"]);
        Assert.Equal("https://www.googleapis.com/auth/firebase.messaging", (string?)assertion.Claims["scope"]);
        Assert.Equal(StandIns.FcmStandIn.GoogleTokenAudience, (string?)assertion.Claims["aud"]);
        var lifetime = assertion.Claims["exp"]!.GetValue<long>() - assertion.Claims["iat"]!.GetValue<long>();
        Assert.InRange(lifetime, 60, 3600);

        // Checked here too, independently of the stand-in: the signature is the service account key's.
        var parts = assertion.Jwt.Split('.');
        Assert.True(system.ServiceAccount.Key.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), Base64Url(parts[2]),
            HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        Assert.DoesNotContain(system.Fcm.Assertions, a => !a.Valid);
    }

    [Fact]
    public async Task Should_register_move_and_remove_device_tokens()
    {
        var (alice, bob) = (await system.CreateUserAsync(), await system.CreateUserAsync());
        var token = NewToken("shared-phone");

        var (created, body) = await alice.Send(HttpMethod.Put, "/api/v1/users/me/devices", new { token, platform = "android" });
        Assert.Equal(HttpStatusCode.Created, created);
        Assert.Equal(token, body.GetProperty("token").GetString());
        var (again, _) = await alice.Send(HttpMethod.Put, "/api/v1/users/me/devices", new { token, platform = "android" });
        Assert.Equal(HttpStatusCode.OK, again);
        var (moved, _) = await bob.Send(HttpMethod.Put, "/api/v1/users/me/devices", new { token, platform = "ios" });
        Assert.Equal(HttpStatusCode.Created, moved);

        await using var db = system.NewDbContext();
        var row = await db.DeviceTokens.AsNoTracking().SingleAsync(d => d.Token == token);
        Assert.Equal((bob.Id, "ios"), (row.UserId, row.Platform));

        var (notYours, problem) = await alice.Send(HttpMethod.Delete, $"/api/v1/users/me/devices/{Uri.EscapeDataString(token)}");
        Assert.Equal((HttpStatusCode.NotFound, "device_not_found"), (notYours, problem.Code()));
        var (removed, _) = await bob.Send(HttpMethod.Delete, $"/api/v1/users/me/devices/{Uri.EscapeDataString(token)}");
        Assert.Equal(HttpStatusCode.NoContent, removed);
        Assert.False(await db.DeviceTokens.AnyAsync(d => d.Token == token));

        var (invalid, validation) = await alice.Send(HttpMethod.Put, "/api/v1/users/me/devices", new { token = " ", platform = "web" });
        Assert.Equal((HttpStatusCode.BadRequest, "validation_failed"), (invalid, validation.Code()));
        Assert.True(validation.GetProperty("errors").TryGetProperty("platform", out _));
        Assert.True(validation.GetProperty("errors").TryGetProperty("token", out _));
    }

    static byte[] Base64Url(string part)
    {
        var s = part.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + (4 - s.Length % 4) % 4, '='));
    }
}
