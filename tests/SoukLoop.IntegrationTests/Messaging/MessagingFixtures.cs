namespace SoukLoop.IntegrationTests.Messaging;

/// <summary>The system with a send budget no test reaches and a generous wait for the worker (2 shared cores).</summary>
public class MessagingFixture : SystemFixture
{
    protected override IEnumerable<(string Key, string Value)> ExtraSettings() =>
    [
        ("Messages:SendsPerMinute", "1000000"),
        ("Messages:SendBurst", "100000"),
        ("Messages:ResponseTimeout", "00:00:30")
    ];
}

/// <summary>Three sends at once, then one every 10 s.</summary>
public class RateLimitedFixture : SystemFixture
{
    protected override IEnumerable<(string Key, string Value)> ExtraSettings() =>
    [
        ("Messages:SendsPerMinute", "6"),
        ("Messages:SendBurst", "3"),
        ("Messages:ResponseTimeout", "00:00:30")
    ];
}

/// <summary>The Api waits one second for the worker, so a stopped worker shows as 202.</summary>
public class ShortWaitFixture : SystemFixture
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
