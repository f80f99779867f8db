using System.Net;
using Microsoft.EntityFrameworkCore;
using SoukLoop.Persistence.Model;

namespace SoukLoop.IntegrationTests.Support;

public class LostTimeoutFixture : SupportFixture
{
    protected override TimeSpan OfferExpiresAfter => TimeSpan.FromSeconds(5);
}

/// <summary>The "lost timeout" drill: the scheduler is off while an offer's expiry passes; support finds it and re-arms it.</summary>
public class When_a_timeout_is_lost(LostTimeoutFixture system) : IClassFixture<LostTimeoutFixture>
{
    [Fact]
    public async Task Should_list_the_offer_as_stuck_and_expire_it_after_support_rearms_it()
    {
        system.KillWorkers();
        await system.StartWorkersAsync([("Scheduler:Enabled", "false")]);
        var seller = await system.CreateUserAsync();
        var buyer = await system.CreateUserAsync();
        var product = await system.CreateProductAsync(seller, 100m);
        var support = await system.CreateSupportUserAsync();
        // Right after a restart the Workers may take longer than the Api waits (cold start): 201, or 202 and then the row.
        var (made, offer) = await buyer.Send(HttpMethod.Post, "/api/v1/offers", new { product_id = product.Id, offered_price = 50m });
        Assert.True(made is HttpStatusCode.Created or HttpStatusCode.Accepted, $"{(int)made} {offer}");
        var id = offer.Id();

        // Past its expiry (5 s) and the grace (1 s), nothing fires: the offer is stuck, and says why.
        var (_, page) = await OfferApi.Eventually(() => support.Get($"/api/v1/support/offers?stuck=true&product_id={product.Id}"),
            // (Before its timeout row is stored it may briefly show as "timeout_missing": wait for the overdue reasons.)
            r => r.Body.Items("items").Any(o => o.Items("stuck_reasons").Count(x => x.Str("code") is "timeout_overdue" or "expiry_overdue") == 2),
            TimeSpan.FromSeconds(60));
        var item = Assert.Single(page.Items("items"));
        Assert.Equal((id, "Pending"), (item.GetProperty("id").GetGuid(), item.Str("state")));
        var reasons = item.Items("stuck_reasons").Select(r => r.Str("code")).ToList();
        Assert.Contains("expiry_overdue", reasons);
        Assert.Contains("timeout_overdue", reasons);
        var (_, detail) = await support.Get($"/api/v1/support/offers/{id}");
        Assert.Equal("overdue", detail.GetProperty("scheduled_timeout").Str("status"));

        // Re-arm through the saga: a new timeout, due one expiry period from now.
        var (status, rearmed) = await support.Act(id, "rearm", "Scheduler was down (drill)", "RearmOfferExpiry");
        Assert.True(status == HttpStatusCode.OK, $"{(int)status} {rearmed}");
        Assert.Equal("Pending", rearmed.GetProperty("saga").Str("state"));
        Assert.True(DateTime.Parse(rearmed.GetProperty("saga").Str("expires_at")!).ToUniversalTime() > DateTime.UtcNow);
        var (_, notStuck) = await support.Get($"/api/v1/support/offers?stuck=true&product_id={product.Id}");
        Assert.Empty(notStuck.Items("items"));

        // Restart the Workers with the scheduler on: the re-armed timeout fires and the offer expires on its own.
        system.KillWorkers();
        await system.StartWorkersAsync();
        await using var db = system.NewDbContext();
        var state = await OfferApi.Eventually(
            async () => (await db.Offers.AsNoTracking().SingleAsync(o => o.CorrelationId == id)).CurrentState,
            s => s == "Expired", TimeSpan.FromSeconds(60));
        Assert.Equal("Expired", state);

        (_, detail) = await support.Get($"/api/v1/support/offers/{id}");
        var actions = detail.Items("timeline").Select(e => (e.Str("action"), e.Str("state_after"), e.Str("actor_id"))).ToList();
        Assert.Contains(("RearmOfferExpiry", "Pending", support.Id.ToString()), actions);
        Assert.Equal(("ExpirationTimeout.Received", "Expired", null), actions.Last());
        // The timeout that fired is the re-armed one; the saga forgot its token when it received it.
        var rearmedToken = rearmed.GetProperty("saga").Str("expiration_token_id");
        Assert.Equal("fired", Assert.Single(detail.Items("timeouts"), t => t.Str("token_id") == rearmedToken).Str("status"));
        Assert.Empty(detail.Items("stuck_reasons"));
    }
}
