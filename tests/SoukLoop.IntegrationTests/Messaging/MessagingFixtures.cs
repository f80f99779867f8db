using System.Net;

namespace SoukLoop.IntegrationTests.Messaging;

/// <summary>A system whose messaging path (publish, consumers, outbox, response) is warm before the first test.</summary>
public abstract class WarmMessagingFixture : SystemFixture
{
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var a = await CreateUserAsync();
        var b = await CreateUserAsync();
        var conversationId = await a.NewConversation(b);
        var last = "";
        for (var attempt = 0; attempt < 60; attempt++)
        {
            var (sent, body) = await a.Text(conversationId, "warm-up");
            var (read, _) = sent == HttpStatusCode.Created
                ? await b.Send(HttpMethod.Patch, $"{ConversationApi.Conversations}/{conversationId}/read")
                : (default(HttpStatusCode), default(System.Text.Json.JsonElement));
            if (sent == HttpStatusCode.Created && read == HttpStatusCode.OK)
                return;
            last = $"send {(int)sent} {body}, read {(int)read}";
            await Task.Delay(500);
        }
        throw new TimeoutException($"The messaging pipeline did not answer during warm-up (last: {last}).");
    }
}

/// <summary>The system with a send budget no test reaches; the Api waits its production time for the worker.</summary>
public class MessagingFixture : WarmMessagingFixture
{
    protected override IEnumerable<(string Key, string Value)> ExtraSettings() =>
    [
        ("Messages:SendsPerMinute", "1000000"),
        ("Messages:SendBurst", "100000")
    ];
}

/// <summary>Three sends at once, then one every 10 s.</summary>
public class RateLimitedFixture : WarmMessagingFixture
{
    protected override IEnumerable<(string Key, string Value)> ExtraSettings() =>
    [
        ("Messages:SendsPerMinute", "6"),
        ("Messages:SendBurst", "3")
    ];
}

/// <summary>The Api waits one second for the worker, so a stopped worker shows as 202.</summary>
public class ShortWaitFixture : WarmMessagingFixture
{
    protected override IEnumerable<(string Key, string Value)> ExtraSettings() =>
    [
        ("Messages:SendsPerMinute", "1000000"),
        ("Messages:SendBurst", "100000"),
        ("Messages:ResponseTimeout", "00:00:01")
    ];
}

/// <summary>The messaging classes share one system (one database, vhost and Workers process) and run one after another.</summary>
[CollectionDefinition(Name)]
public class MessagingCollection : ICollectionFixture<MessagingFixture>
{
    public const string Name = "messaging";
}
