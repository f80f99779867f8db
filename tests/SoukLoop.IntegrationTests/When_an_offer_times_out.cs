using System.Net;
using Microsoft.EntityFrameworkCore;

namespace SoukLoop.IntegrationTests;

public class ShortExpiryFixture : SystemFixture
{
    protected override TimeSpan OfferExpiresAfter => TimeSpan.FromSeconds(15);
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
        var (status, body) = await seller.Move(id, "counter", new { counter_price = 90m });
        await using (var check = system.NewDbContext())
        {
            var rows = await check.ScheduledMessages.AsNoTracking().ToListAsync();
            var offerRow = await check.Offers.AsNoTracking().SingleAsync(o => o.CorrelationId == id);
            Assert.True(status == HttpStatusCode.OK, $"{(int)status} {body} now={DateTime.UtcNow:O} offer created={offerRow.CreatedAt:O} expires={offerRow.ExpiresAt:O} " +
                string.Join("; ", rows.Select(r => $"{r.TokenId} due={r.DueAt:O} created={r.CreatedAt:O} fired={r.FiredAt:O} cancelled={r.CancelledAt:O}")));
        }

        Assert.Equal("Expired", await ExpiredEventually(id));
        await using var db = system.NewDbContext();
        var offer = await db.Offers.AsNoTracking().SingleAsync(o => o.CorrelationId == id);
        var expiries = await db.OfferTimeline.AsNoTracking().Where(e => e.OfferId == id && e.StateAfter == "Expired").ToListAsync();
        var countered = await db.OfferTimeline.AsNoTracking().SingleAsync(e => e.OfferId == id && e.Action == "CounterOffer");
        var timeouts = await db.ScheduledMessages.AsNoTracking().Where(s => s.CorrelationId == id).OrderBy(s => s.DueAt).ToListAsync();
        var summary = string.Join("; ", timeouts.Select(r => $"{r.TokenId} due={r.DueAt:O} fired={r.FiredAt:O} cancelled={r.CancelledAt:O}"));

        // Two timeouts were scheduled; only the one armed by the counter took effect, no earlier than its due time.
        Assert.True(timeouts.Count == 2, summary);
        Assert.Single(expiries);
        Assert.True(expiries[0].At >= timeouts[1].DueAt, $"expired at {expiries[0].At:O}; {summary}");
        Assert.True(offer.ExpiresAt >= countered.At - TimeSpan.FromSeconds(5) + system.ExpiresAfter, $"expires {offer.ExpiresAt:O}; {summary}");
        Assert.True(expiries[0].At >= offer.ExpiresAt, $"expired at {expiries[0].At:O}, due {offer.ExpiresAt:O}; {summary}");
        // The superseded one was cancelled, or (when the counter landed at its due instant) fired and was ignored by its stale token.
        Assert.True(timeouts[0].CancelledAt != null || timeouts[0].FiredAt != null, summary);
    }

    [Fact]
    public async Task Should_still_expire_after_the_worker_is_killed_and_restarted_mid_wait()
    {
        var seller = await system.CreateUserAsync();
        var buyer = await system.CreateUserAsync();
        var product = await system.CreateProductAsync(seller);
        var id = (await buyer.MakeOffer(product.Id, 50m)).Id();

        system.KillWorkers();
        await Task.Delay(TimeSpan.FromSeconds(16)); // past the due time while no worker runs
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
            s => s == "Expired", TimeSpan.FromSeconds(90));
    }
}
