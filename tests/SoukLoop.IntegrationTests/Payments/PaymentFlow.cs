using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using SoukLoop.Persistence.Model;

namespace SoukLoop.IntegrationTests.Payments;

public record Sale(TestUser Seller, TestUser Buyer, Product Product, Guid OfferId, Guid TransactionId, Guid ConversationId);

/// <summary>The steps the payment tests repeat: a sale over REST, waiting for the saga, reading rows.</summary>
public static class PaymentFlow
{
    static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    public static async Task<Sale> AcceptedSale(this PaymentsFixture system, decimal listPrice = 100m, decimal offered = 80m,
        string feed = Feeds.Community, string? sellerAccount = null, Func<TestUser, TestUser, Task>? beforeAccept = null)
    {
        var seller = await system.CreateUserAsync();
        var buyer = await system.CreateUserAsync();
        if (sellerAccount != null)
        {
            var (status, body) = await seller.Send(HttpMethod.Put, "/api/v1/users/me/payout-account", new { stripe_account_id = sellerAccount });
            Assert.True(status == HttpStatusCode.OK, $"payout account: {(int)status} {body}");
        }
        var product = await system.CreateProductAsync(seller, listPrice, feed);
        var offer = await buyer.MakeOffer(product.Id, offered);
        if (beforeAccept != null)
            await beforeAccept(seller, buyer);
        var (accepted, acceptedBody) = await seller.MoveApplied(offer.Id(), "accept", o => o.Status() == "accepted");
        Assert.True(accepted == HttpStatusCode.OK, $"accept: {(int)accepted} {acceptedBody}");
        var transactionId = acceptedBody.GetProperty("transaction").GetProperty("id").GetGuid();
        return new Sale(seller, buyer, product, offer.Id(), transactionId, offer.GetProperty("conversation_id").GetGuid());
    }

    public static async Task<Transaction> TransactionEventually(this PaymentsFixture system, Guid id, Func<Transaction, bool> done)
    {
        await using var db = system.NewDbContext();
        var transaction = await OfferApi.Eventually(() => db.Transactions.AsNoTracking().SingleAsync(t => t.Id == id), done, Wait);
        Assert.True(done(transaction), $"transaction {id}: status {transaction.Status}, intent {transaction.PaymentIntentId}");
        return transaction;
    }

    public static Task<Transaction> WithIntent(this PaymentsFixture system, Sale sale) =>
        system.TransactionEventually(sale.TransactionId, t => t.PaymentIntentId != null);

    public static Task<Transaction> WithStatus(this PaymentsFixture system, Sale sale, string status) =>
        system.TransactionEventually(sale.TransactionId, t => t.Status == status);

    public static async Task<PaymentState> Payment(this PaymentsFixture system, Guid transactionId)
    {
        await using var db = system.NewDbContext();
        return await db.Payments.AsNoTracking().SingleAsync(p => p.CorrelationId == transactionId);
    }

    public static async Task<PaymentState> PaymentEventually(this PaymentsFixture system, Guid transactionId, Func<PaymentState, bool> done)
    {
        await using var db = system.NewDbContext();
        var payment = await OfferApi.Eventually(
            async () => await db.Payments.AsNoTracking().SingleOrDefaultAsync(p => p.CorrelationId == transactionId) ?? new PaymentState(),
            done, Wait);
        Assert.True(done(payment), $"payment {transactionId}: {payment.CurrentState}, payout {payment.PayoutStatus}");
        return payment;
    }

    public static List<System.Text.Json.Nodes.JsonObject> IntentsOf(this PaymentsFixture system, Guid transactionId) =>
        system.Stripe.PaymentIntents.Where(i => (string?)i["metadata"]?["transaction_id"] == transactionId.ToString()).ToList();

    public static async Task<JsonElement> GetTransaction(this TestUser user, Guid id)
    {
        var (status, body) = await user.Send(HttpMethod.Get, $"/api/v1/transactions/{id}");
        Assert.True(status == HttpStatusCode.OK, $"GET transaction: {(int)status} {body}");
        return body;
    }

    public static async Task RegisterDevice(this TestUser user, string token, string platform)
    {
        var (status, body) = await user.Send(HttpMethod.Put, "/api/v1/users/me/devices", new { token, platform });
        Assert.True(status is HttpStatusCode.Created or HttpStatusCode.OK, $"device: {(int)status} {body}");
    }
}

/// <summary>What support and ops see of a payment step that gave up: its fault rows and the error queue.</summary>
public static class PaymentFaults
{
    public static async Task<List<SoukLoop.Persistence.Messaging.MessageFault>> FaultsOf(this PaymentsFixture system, Guid offerId)
    {
        await using var db = system.NewDbContext();
        return await db.MessageFaults.AsNoTracking().Where(f => f.CorrelationId == offerId).ToListAsync();
    }

    public static async Task<SoukLoop.Persistence.Messaging.MessageFault> FaultEventually(this PaymentsFixture system, Guid offerId, string messageType)
    {
        var faults = await OfferApi.Eventually(() => system.FaultsOf(offerId), l => l.Any(f => f.MessageType.EndsWith(messageType)),
            TimeSpan.FromSeconds(90));
        return Assert.Single(faults, f => f.MessageType.EndsWith(messageType));
    }

    /// <summary>Messages ready in a queue (the management API's <c>messages</c>), 0 when the queue does not exist.</summary>
    public static async Task<int> QueueMessages(this PaymentsFixture system, string queue)
    {
        using var management = system.ManagementClient();
        var response = await management.GetAsync($"/api/queues/{Uri.EscapeDataString(system.VirtualHost)}/{queue}");
        if (!response.IsSuccessStatusCode)
            return 0;
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.TryGetProperty("messages", out var m) ? m.GetInt32() : 0;
    }

    public static List<System.Text.Json.Nodes.JsonObject> TransfersOf(this PaymentsFixture system, Guid transactionId) =>
        system.Stripe.Transfers.Where(t => (string?)t["transfer_group"] == transactionId.ToString()).ToList();
}
