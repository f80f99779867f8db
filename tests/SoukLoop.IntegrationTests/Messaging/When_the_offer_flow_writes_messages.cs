using System.Net;
using System.Text.Json;
using SoukLoop.Persistence.Model;

namespace SoukLoop.IntegrationTests.Messaging;

[Collection(MessagingCollection.Name)]
public class When_the_offer_flow_writes_messages(MessagingFixture system)
{
    [Fact]
    public async Task Should_publish_message_sent_for_each_offer_message_to_the_other_party()
    {
        await using var probe = await EventProbe.StartAsync(system);
        var seller = await system.CreateUserAsync();
        var buyer = await system.CreateUserAsync();
        var product = await system.CreateProductAsync(seller, 100m);

        var offer = await buyer.MakeOffer(product.Id, 60m);
        var conversationId = offer.GetProperty("conversation_id").GetGuid();
        var made = Assert.Single(await EventProbe.Await(probe.Sent, e => e.ConversationId == conversationId));
        Assert.Equal((MessageTypes.Offer, buyer.Id, seller.Id, 1, (Guid?)product.Id),
            (made.MessageType, made.SenderId, made.RecipientId, made.RecipientUnreadCount, made.ProductId));
        var offerData = JsonDocument.Parse(made.OfferData!).RootElement;
        Assert.Equal(("made", "pending"), (offerData.GetProperty("action").GetString(), offerData.GetProperty("status").GetString()));

        Assert.Equal(HttpStatusCode.OK, (await seller.MoveApplied(offer.Id(), "counter", o => o.Status() == "countered", new { counter_price = 90m })).Status);
        var countered = (await EventProbe.Await(probe.Sent, e => e.ConversationId == conversationId, count: 2)).Last();
        Assert.Equal((MessageTypes.Offer, seller.Id, buyer.Id, 1), (countered.MessageType, countered.SenderId, countered.RecipientId,
            countered.RecipientUnreadCount));

        // What was published is what is stored, and the inbox shows it as the last message.
        var stored = await system.StoredMessages(conversationId);
        Assert.Equal(stored.Select(m => (m.Id, m.CreatedAt)), new[] { made, countered }.Select(e => (e.MessageId, e.CreatedAt)));
        var row = (await buyer.Inbox()).Row(conversationId)!.Value;
        Assert.Equal(countered.MessageId, row.GetProperty("last_message").Id());
        Assert.Equal("offer", row.GetProperty("last_message").GetProperty("message_type").GetString());
        var (_, messages) = await buyer.Get($"{ConversationApi.Conversations}/{conversationId}/messages");
        Assert.Equal("countered", messages.GetProperty("items")[0].GetProperty("offer_data").GetProperty("action").GetString());
    }

    [Fact]
    public async Task Should_publish_a_system_message_by_nobody_to_both_parties()
    {
        await using var probe = await EventProbe.StartAsync(system);
        var seller = await system.CreateUserAsync();
        var winner = await system.CreateUserAsync();
        var other = await system.CreateUserAsync();
        var product = await system.CreateProductAsync(seller, 100m);
        var winning = await winner.MakeOffer(product.Id, 80m);
        var losing = await other.MakeOffer(product.Id, 70m);
        var losingConversation = losing.GetProperty("conversation_id").GetGuid();

        Assert.Equal(HttpStatusCode.OK, (await seller.MoveApplied(winning.Id(), "accept", o => o.Status() == "accepted")).Status);

        var closed = await EventProbe.Await(probe.Sent, e => e.ConversationId == losingConversation && e.MessageType == MessageTypes.System, count: 2);
        Assert.Equal(2, closed.Count);
        Assert.Single(closed.Select(e => e.MessageId).Distinct());
        Assert.Equal(new[] { other.Id, seller.Id }.Order(), closed.Select(e => e.RecipientId).Order());
        Assert.All(closed, e => Assert.Equal(Guid.Empty, e.SenderId));
        var row = await system.Stored(losingConversation);
        Assert.Equal(row.UnreadCountBuyer, closed.Single(e => e.RecipientId == other.Id).RecipientUnreadCount);
        Assert.Equal(row.UnreadCountSeller, closed.Single(e => e.RecipientId == seller.Id).RecipientUnreadCount);
    }
}
