using MassTransit;
using Microsoft.EntityFrameworkCore;
using SoukLoop.Contracts;

namespace SoukLoop.IntegrationTests;

public class When_a_message_is_redelivered(SystemFixture system) : IClassFixture<SystemFixture>
{
    [Fact]
    public async Task Should_apply_a_counter_delivered_twice_with_one_message_id_only_once()
    {
        var seller = await system.CreateUserAsync();
        var buyer = await system.CreateUserAsync();
        var product = await system.CreateProductAsync(seller, 100m);
        var id = (await buyer.MakeOffer(product.Id, 50m)).Id();

        await using var handle = await system.BusAsync();
        var messageId = NewId.NextGuid();
        var endpoint = await handle.Bus.GetSendEndpoint(new Uri("queue:offer-state"));
        // The same message twice, as RabbitMQ redelivers it when a worker dies between commit and ack.
        for (var i = 0; i < 2; i++)
            await endpoint.Send(new CounterOffer(id, seller.Id, 80m, null), ctx => ctx.MessageId = messageId);

        await using var db = system.NewDbContext();
        var inbox = await OfferApi.Eventually(
            () => db.InboxStates.AsNoTracking().Where(i => i.MessageId == messageId).ToListAsync(),
            rows => rows.Count == 1 && rows[0].ReceiveCount >= 2 && rows[0].Delivered != null, TimeSpan.FromSeconds(20));
        Assert.Single(inbox);
        Assert.True(inbox[0].ReceiveCount >= 2, $"receive count {inbox[0].ReceiveCount}");

        var offer = await db.Offers.AsNoTracking().SingleAsync(o => o.CorrelationId == id);
        Assert.Equal("Countered", offer.CurrentState);
        Assert.Equal(2, offer.Round);
        Assert.Equal(1, await db.OfferTimeline.CountAsync(e => e.OfferId == id && e.Action == "CounterOffer"));
        Assert.Equal(2, await db.Messages.CountAsync(m => m.ConversationId == offer.ConversationId));
        Assert.Equal(0, await db.OutboxMessages.CountAsync());
    }
}

public class QuickRedeliveryFixture : SystemFixture
{
    protected override IEnumerable<(string Key, string Value)> ExtraSettings()
    {
        yield return ("Messaging:RedeliveryIntervals:0", "00:00:00.500");
        yield return ("Messaging:RedeliveryIntervals:1", "00:00:00.500");
    }
}

public class When_a_message_keeps_failing(QuickRedeliveryFixture system) : IClassFixture<QuickRedeliveryFixture>
{
    [Fact]
    public async Task Should_be_redelivered_through_the_scheduler_and_then_land_in_the_error_queue()
    {
        await using var handle = await system.BusAsync();
        var endpoint = await handle.Bus.GetSendEndpoint(new Uri("queue:offer-state"));
        // An offer whose product row cannot be read: the saga's activity throws a non-rule exception every time.
        await using (var db = system.NewDbContext())
            await db.Database.ExecuteSqlRawAsync("ALTER TABLE products RENAME COLUMN title TO title_broken");
        try
        {
            var offerId = NewId.NextGuid();
            await endpoint.Send(new MakeOffer(offerId, Guid.NewGuid(), Guid.NewGuid(), 10m, null));

            using var management = system.ManagementClient();
            var errorQueue = $"/api/queues/{Uri.EscapeDataString(system.VirtualHost)}/offer-state_error";
            var messages = await OfferApi.Eventually(async () =>
            {
                var response = await management.GetAsync(errorQueue);
                if (!response.IsSuccessStatusCode)
                    return 0;
                using var json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                return json.RootElement.TryGetProperty("messages", out var m) ? m.GetInt32() : 0;
            }, n => n == 1, TimeSpan.FromSeconds(40));
            Assert.Equal(1, messages);

            await using var check = system.NewDbContext();
            // Two scheduled redeliveries went through the Postgres scheduler before the message was given up.
            var redeliveries = await check.ScheduledMessages.Where(s => s.FiredAt != null).ToListAsync();
            Assert.Equal(2, redeliveries.Count);
            Assert.Contains(redeliveries, s => s.HeadersJson != null && s.HeadersJson.Contains("MT-Redelivery-Count"));
            Assert.False(await check.Offers.AnyAsync(o => o.CorrelationId == offerId));
        }
        finally
        {
            await using var db = system.NewDbContext();
            await db.Database.ExecuteSqlRawAsync("ALTER TABLE products RENAME COLUMN title_broken TO title");
        }
    }
}
