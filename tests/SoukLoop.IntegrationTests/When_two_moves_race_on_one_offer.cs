using System.Diagnostics;
using System.Net;
using Microsoft.EntityFrameworkCore;
using Xunit.Abstractions;

namespace SoukLoop.IntegrationTests;

/// <summary>
/// The buyer withdraws while the seller counters: one of the two loses the saga's version check inside a saga step. The
/// endpoint's immediate retry runs it again on fresh state, so both answer within the Api's production wait
/// (Offers:ResponseTimeout, 5 s): no 202 and no 5 s scheduled redelivery.
/// </summary>
public class When_two_moves_race_on_one_offer(SystemFixture system, ITestOutputHelper output) : IClassFixture<SystemFixture>
{
    const int Rounds = 15;
    static readonly TimeSpan ProductionWait = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Should_answer_both_moves_within_the_production_wait()
    {
        await system.WarmUpMovesAsync();
        var seller = await system.CreateUserAsync();
        var buyer = await system.CreateUserAsync();
        var slowest = TimeSpan.Zero;
        var offers = new List<Guid>();
        for (var round = 0; round < Rounds; round++)
        {
            var product = await system.CreateProductAsync(seller, 100m);
            var id = (await buyer.MakeOffer(product.Id, 50m)).Id();
            offers.Add(id);

            var moves = new[]
            {
                Timed(() => buyer.Move(id, "withdraw")),
                Timed(() => seller.Move(id, "counter", new { counter_price = 80m }))
            };
            foreach (var (status, body, took) in await Task.WhenAll(moves))
            {
                slowest = took > slowest ? took : slowest;
                // The loser either went second on fresh state (200) or found the offer closed (409); never "processing".
                Assert.True(status == HttpStatusCode.OK || (status == HttpStatusCode.Conflict && body.Code() == "offer_closed"),
                    $"round {round}: {(int)status} {body} after {took.TotalMilliseconds:0} ms");
                Assert.True(took < ProductionWait, $"round {round}: answered after {took.TotalMilliseconds:0} ms");
            }
        }
        output.WriteLine($"{Rounds} rounds of withdraw against counter: slowest answer {slowest.TotalMilliseconds:0} ms");

        await using var db = system.NewDbContext();
        var states = await db.Offers.AsNoTracking().Where(o => offers.Contains(o.CorrelationId)).Select(o => o.CurrentState).ToListAsync();
        Assert.All(states, s => Assert.Equal("Withdrawn", s));
        Assert.Equal(0, await db.ScheduledMessages.CountAsync(s => s.HeadersJson != null && s.HeadersJson.Contains("MT-Redelivery-Count")));
    }

    static async Task<(HttpStatusCode Status, System.Text.Json.JsonElement Body, TimeSpan Took)> Timed(
        Func<Task<(HttpStatusCode, System.Text.Json.JsonElement)>> move)
    {
        var clock = Stopwatch.StartNew();
        var (status, body) = await move();
        return (status, body, clock.Elapsed);
    }
}
