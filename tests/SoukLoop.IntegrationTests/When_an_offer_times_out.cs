using System.Net;
using Microsoft.EntityFrameworkCore;

namespace SoukLoop.IntegrationTests;

public class ShortExpiryFixture : SystemFixture
{
    protected override TimeSpan OfferExpiresAfter => TimeSpan.FromSeconds(3);
}

public class When_an_offer_times_out(ShortExpiryFixture system) : IClassFixture<ShortExpiryFixture>
{
    [Fact]
    public async Task Should_expire_when_nobody_moves()
    {
        var seller = await system.CreateUserAsync();
        var buyer = await system.CreateUserAsync();
        var product = await system.CreateProductAsync(seller);
        var id = (await buyer.MakeOffer(product.Id, 50m)).Id();

        var state = await ExpiredEventually(id);
        Assert.Equal("Expired", state);

        var (status, problem) = await seller.Move(id, "accept");
        Assert.Equal((HttpStatusCode.Conflict, "offer_expired"), (status, problem.Code()));
    }

    [Fact]
    public async Task Should_reset_the_expiry_on_every_move_and_never_fire_a_superseded_timeout()
    {
        var seller = await system.CreateUserAsync();
        var buyer = await system.CreateUserAsync();
        var product = await system.CreateProductAsync(seller);
        var id = (await buyer.MakeOffer(product.Id, 50m)).Id();
        await Task.Delay(TimeSpan.FromSeconds(2));
        var (status, _) = await seller.Move(id, "counter", new { counter_price = 90m });
        Assert.Equal(HttpStatusCode.OK, status);

        Assert.Equal("Expired", await ExpiredEventually(id));
        await using var db = system.NewDbContext();
        var timeouts = await db.ScheduledMessages.Where(s => s.CorrelationId == id || s.Body.Contains(id.ToString())).ToListAsync();
        Assert.Equal(1, timeouts.Count(t => t.FiredAt != null));
        Assert.Equal(1, timeouts.Count(t => t.CancelledAt != null));
        Assert.Equal(1, await db.OfferTimeline.CountAsync(e => e.OfferId == id && e.StateAfter == "Expired"));
    }

    [Fact]
    public async Task Should_still_expire_after_the_worker_is_killed_and_restarted_mid_wait()
    {
        var seller = await system.CreateUserAsync();
        var buyer = await system.CreateUserAsync();
        var product = await system.CreateProductAsync(seller);
        var id = (await buyer.MakeOffer(product.Id, 50m)).Id();

        system.KillWorkers();
        await Task.Delay(TimeSpan.FromSeconds(4)); // past the due time while no worker runs
        await using (var db = system.NewDbContext())
            Assert.Equal("Pending", (await db.Offers.AsNoTracking().SingleAsync(o => o.CorrelationId == id)).CurrentState);

        await system.StartWorkersAsync();
        Assert.Equal("Expired", await ExpiredEventually(id));
    }

    async Task<string> ExpiredEventually(Guid id)
    {
        await using var db = system.NewDbContext();
        return await OfferApi.Eventually(
            async () => (await db.Offers.AsNoTracking().SingleAsync(o => o.CorrelationId == id)).CurrentState,
            s => s == "Expired", TimeSpan.FromSeconds(30));
    }
}
