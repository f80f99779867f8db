using Microsoft.EntityFrameworkCore;

namespace SoukLoop.IntegrationTests;

/// <summary>
/// The fixture's warm-up only runs the "unknown product" path. Tests that time every answer against the Api's production
/// wait first make, counter, withdraw and accept one throw-away offer each (answers may be 202 here: only the Workers' first
/// use of these paths is paid for, nothing is asserted), so the measured part sees a warm process, as production does.
/// </summary>
public static class WarmPaths
{
    public static async Task WarmUpMovesAsync(this SystemFixture system)
    {
        var seller = await system.CreateUserAsync();
        var buyer = await system.CreateUserAsync();
        var withdrawn = await Made(system, buyer, (await system.CreateProductAsync(seller)).Id);
        await seller.Move(withdrawn, "counter", new { counter_price = 90m });
        await State(system, withdrawn, "Countered");
        await buyer.Move(withdrawn, "withdraw");
        await State(system, withdrawn, "Withdrawn");
        var sold = await Made(system, buyer, (await system.CreateProductAsync(seller)).Id);
        await seller.Move(sold, "accept");
        await State(system, sold, "Accepted");
    }

    /// <summary>An offer for a test's set-up: its answer may be 202 on a loaded machine; waits until it is pending.</summary>
    public static async Task<Guid> Made(SystemFixture system, TestUser buyer, Guid productId, decimal price = 60m)
    {
        var (_, body) = await buyer.Send(HttpMethod.Post, "/api/v1/offers", new { product_id = productId, offered_price = price });
        var id = body.Id();
        await State(system, id, "Pending");
        return id;
    }

    static async Task State(SystemFixture system, Guid offerId, string state)
    {
        await using var db = system.NewDbContext();
        var current = await OfferApi.Eventually(
            async () => (await db.Offers.AsNoTracking().SingleOrDefaultAsync(o => o.CorrelationId == offerId))?.CurrentState,
            s => s == state, TimeSpan.FromSeconds(60));
        Assert.True(current == state, $"warm-up: offer {offerId} is {current ?? "missing"}, not {state}");
    }
}
