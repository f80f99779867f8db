using System.Net;
using MassTransit;
using SoukLoop.Contracts;
using SoukLoop.IntegrationTests.Support;
using SoukLoop.Persistence.Model;

namespace SoukLoop.IntegrationTests;

/// <summary>
/// The Workers stopped (a deploy, a crash) for longer than the Api's wait: each test stops and restarts them. Redeliveries
/// are quick (the documented Messaging:RedeliveryIntervals), so a fault becomes final within a test.
/// </summary>
public class WorkersOutageFixture : QuickRedeliveryFixture;

/// <summary>
/// A 202 means "queued": the command waits in its queue for the Workers, however long they are away, and is applied
/// once they are back (src/Api/README.md "202 processing"). The Api's wait must never become the command's lifetime.
/// </summary>
public class When_the_workers_are_down(WorkersOutageFixture system) : IClassFixture<WorkersOutageFixture>
{
    /// <summary>Longer than the Api's production wait (Offers:ResponseTimeout, Support:ResponseTimeout).</summary>
    static readonly TimeSpan Outage = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Should_make_an_offer_answered_202_once_the_workers_are_back()
    {
        var seller = await system.CreateUserAsync();
        var buyer = await system.CreateUserAsync();
        var product = await system.CreateProductAsync(seller);

        string location;
        Guid id;
        string queued = "?";
        system.KillWorkers();
        try
        {
            var started = DateTime.UtcNow;
            var (status, pending) = await buyer.Send(HttpMethod.Post, "/api/v1/offers", new { product_id = product.Id, offered_price = 50m });
            Assert.True(status == HttpStatusCode.Accepted, $"{(int)status} {pending}");
            Assert.Equal("processing", pending.Status());
            id = pending.Id();
            location = pending.GetProperty("location").GetString()!;
            Assert.Equal($"/api/v1/offers/{id}", location);
            Assert.Equal(HttpStatusCode.NotFound, (await buyer.Send(HttpMethod.Get, location)).Status);

            var rest = Outage - (DateTime.UtcNow - started);
            if (rest > TimeSpan.Zero)
                await Task.Delay(rest);
            queued = await QueuedAsync("offer-state");
        }
        finally
        {
            await system.StartWorkersAsync();
        }

        var (found, offer) = await OfferApi.Eventually(() => buyer.Send(HttpMethod.Get, location), r => r.Status == HttpStatusCode.OK,
            OfferApi.Applied);
        Assert.True(found == HttpStatusCode.OK, $"{(int)found} {offer}; offer-state held {queued} at the end of the outage");
        Assert.Equal(("pending", 50m), (offer.Status(), offer.GetProperty("offered_price").GetDecimal()));
        var (_, mine) = await buyer.Send(HttpMethod.Get, "/api/v1/offers?as_buyer=true");
        Assert.Contains(mine.Items("items"), o => o.Id() == id);
    }

    [Fact]
    public async Task Should_apply_a_support_action_answered_202_once_the_workers_are_back()
    {
        var (seller, _, _, id) = await system.OpenOfferAsync();
        var support = await system.CreateUserAsync(Roles.Support);

        system.KillWorkers();
        try
        {
            var started = DateTime.UtcNow;
            var (status, pending) = await support.Post($"/api/v1/support/offers/{id}/expire", new { reason = "Seller asked by phone (ticket 7)" });
            Assert.True(status == HttpStatusCode.Accepted, $"{(int)status} {pending}");
            Assert.Equal("processing", pending.Status());

            var rest = Outage - (DateTime.UtcNow - started);
            if (rest > TimeSpan.Zero)
                await Task.Delay(rest);
        }
        finally
        {
            await system.StartWorkersAsync();
        }

        var (_, offer) = await OfferApi.Eventually(() => seller.Send(HttpMethod.Get, $"/api/v1/offers/{id}"), r => r.Body.Status() == "expired",
            OfferApi.Applied);
        Assert.Equal("expired", offer.Status());
    }

    [Fact]
    public async Task Should_answer_failed_at_the_location_of_an_offer_whose_command_faulted_for_good()
    {
        var seller = await system.CreateUserAsync();
        var buyer = await system.CreateUserAsync();
        var stranger = await system.CreateUserAsync();
        var support = await system.CreateUserAsync(Roles.Support);
        var product = await system.CreateProductAsync(seller);
        var id = NewId.NextGuid();

        // As the Api's request client sends it when its wait ended with 202 (a response address nobody waits on any more),
        // with a message Postgres refuses inside the saga (a NUL character): it faults on every delivery.
        await using (var handle = await system.BusAsync())
        {
            var endpoint = await handle.Bus.GetSendEndpoint(new Uri("queue:offer-state"));
            await endpoint.Send(new MakeOffer(id, product.Id, buyer.Id, 50m, "hello\0world"), c =>
            {
                c.RequestId = NewId.NextGuid();
                c.ResponseAddress = handle.Bus.Address;
            });
        }

        var location = $"/api/v1/offers/{id}";
        var (status, failed) = await OfferApi.Eventually(() => buyer.Send(HttpMethod.Get, location), r => r.Status == HttpStatusCode.OK,
            OfferApi.Applied);
        Assert.True(status == HttpStatusCode.OK, $"{(int)status} {failed}");
        Assert.Equal((id, "failed"), (failed.Id(), failed.Status()));
        Assert.Equal("offer_processing_failed", failed.GetProperty("error").Str("code"));
        Assert.NotNull(failed.GetProperty("error").Str("failed_at"));

        // The seller is a party too; anyone else learns nothing.
        Assert.Equal("failed", (await seller.Send(HttpMethod.Get, location)).Body.Status());
        var (strangerStatus, problem) = await stranger.Send(HttpMethod.Get, location);
        Assert.Equal((HttpStatusCode.NotFound, "offer_not_found"), (strangerStatus, problem.Code()));

        // Support sees the final fault, though no offer page exists for it.
        var (_, faults) = await support.Get($"/api/v1/support/faults?correlation_id={id}&unresolved=true&final=true");
        var fault = Assert.Single(faults.Items("items"));
        Assert.Equal("urn:message:SoukLoop.Contracts:MakeOffer", fault.Str("message_type"));
        Assert.True(fault.GetProperty("final").GetBoolean());
        var (strangerFaults, _) = await stranger.Send(HttpMethod.Get, $"/api/v1/support/faults?correlation_id={id}");
        Assert.Equal(HttpStatusCode.NotFound, strangerFaults);

        // Nothing was applied.
        var (_, mine) = await buyer.Send(HttpMethod.Get, "/api/v1/offers?as_buyer=true");
        Assert.DoesNotContain(mine.Items("items"), o => o.Id() == id);
    }

    /// <summary>The queue's ready messages and their TTLs, as RabbitMQ reports them (for the failure message).</summary>
    async Task<string> QueuedAsync(string queue)
    {
        using var http = system.ManagementClient();
        var body = await http.GetStringAsync($"/api/queues/{Uri.EscapeDataString(system.VirtualHost)}/{queue}");
        using var json = System.Text.Json.JsonDocument.Parse(body);
        return json.RootElement.TryGetProperty("messages", out var count) ? count.ToString() : body;
    }
}
