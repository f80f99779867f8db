using SoukLoop.Testing;
using System.Text.Json;
using MassTransit;
using Npgsql;

namespace SoukLoop.IntegrationTests.Persistence;

/// <summary>A consumer that fails every time: its messages go through scheduled redelivery.</summary>
public sealed class AlwaysFailingConsumer : IConsumer<PersistenceProbe>
{
    public const string Queue = "always-failing";

    public Task Consume(ConsumeContext<PersistenceProbe> context) =>
        throw new InvalidOperationException($"probe {context.Message.Id} always fails");
}

/// <summary>
/// The apps in this process reach RabbitMQ but not their database (a closed port): a Postgres outage as the scheduler
/// sees it, contained to this fixture (the test Postgres itself stays up for the other fixtures).
/// </summary>
public class DatabaseDownFixture : InProcessFixture
{
    protected override string AppConnectionString =>
        new NpgsqlConnectionStringBuilder(ConnectionString) { Host = "127.0.0.1", Port = ThrowAwayServices.FreePort(), Timeout = 2 }.ConnectionString;

    // An outage longer than the scheduler waits for its database (by default about 4.5 minutes), in seconds here.
    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Scheduler:StoreRetryIntervals:0", "00:00:00.100"), new("Scheduler:StoreRetryIntervals:1", "00:00:00.500"),
        new("Scheduler:StoreRetryIntervals:2", "00:00:01"), new("Scheduler:StoreRetryIntervals:3", "00:00:02")
    ];

    protected override void Register(IBusRegistrationConfigurator x) =>
        x.AddConsumer<AlwaysFailingConsumer>().Endpoint(e => e.Name = AlwaysFailingConsumer.Queue);
}

public class When_a_redelivery_cannot_be_scheduled(DatabaseDownFixture system) : IClassFixture<DatabaseDownFixture>
{
    [Fact]
    public async Task Should_move_the_message_to_its_own_error_queue_with_its_fault_headers()
    {
        var probe = new PersistenceProbe(Guid.NewGuid());
        var messageId = NewId.NextGuid();
        var endpoint = await system.Bus.GetSendEndpoint(new Uri($"queue:{AlwaysFailingConsumer.Queue}"));
        await endpoint.Send(probe, context => context.MessageId = messageId);

        using var management = system.ManagementClient();
        var errors = await OfferApi.Eventually(() => PeekAsync(management, $"{AlwaysFailingConsumer.Queue}_error"),
            messages => messages.Count > 0, TimeSpan.FromSeconds(40));

        if (errors.Count == 0)
        {
            // Where did it go? The queues of the virtual host with their message counts, for the failure message.
            var queues = await management.GetStringAsync($"/api/queues/{Uri.EscapeDataString(system.VirtualHost)}?columns=name,messages");
            Assert.Fail($"nothing in {AlwaysFailingConsumer.Queue}_error; queues: {queues}");
        }
        var message = Assert.Single(errors);
        var headers = message.GetProperty("properties").GetProperty("headers");
        Assert.Equal("fault", headers.GetProperty("MT-Reason").GetString());
        Assert.False(string.IsNullOrEmpty(headers.GetProperty("MT-Fault-ExceptionType").GetString()));
        Assert.Contains("could not be rescheduled", headers.GetProperty("MT-Fault-Message").GetString());
        Assert.Contains(AlwaysFailingConsumer.Queue, headers.GetProperty("MT-Fault-InputAddress").GetString());
        using var body = JsonDocument.Parse(message.GetProperty("payload").GetString()!);
        Assert.Equal(probe.Id, body.RootElement.GetProperty("message").GetProperty("id").GetGuid());
        // The same message: its own id, or the id it had before redelivery replaced it.
        var original = headers.TryGetProperty("MT-OriginalMessageId", out var o) ? o.GetString() : body.RootElement.GetProperty("messageId").GetString();
        Assert.Equal(messageId, Guid.Parse(original!));

        // Nothing went to (or nested in) the scheduler's error queue.
        Assert.Empty(await PeekAsync(management, "scheduler_error"));
    }

    /// <summary>The messages of a queue, left in it (management API "get" with requeue); none when it does not exist.</summary>
    async Task<List<JsonElement>> PeekAsync(HttpClient management, string queue)
    {
        var response = await management.PostAsync($"/api/queues/{Uri.EscapeDataString(system.VirtualHost)}/{queue}/get",
            new StringContent("""{"count":10,"ackmode":"ack_requeue_true","encoding":"auto"}""", System.Text.Encoding.UTF8, "application/json"));
        if (!response.IsSuccessStatusCode)
            return [];
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
    }
}
