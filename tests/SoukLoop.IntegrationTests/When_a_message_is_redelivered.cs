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
