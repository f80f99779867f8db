using System.Net;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using SoukLoop.Contracts;
using SoukLoop.Persistence.Model;

namespace SoukLoop.IntegrationTests.Payments;

[Collection(PaymentsCollection.Name)]
public class When_an_offer_is_accepted(PaymentsFixture system)
{
    [Fact]
    public async Task Should_create_exactly_one_payment_intent_with_the_agreed_amount_the_fee_and_an_idempotency_key()
    {
        var sale = await system.AcceptedSale(listPrice: 100m, offered: 80m, feed: Feeds.Discover, sellerAccount: "acct_1SellerDiscover");
        var transaction = await system.WithIntent(sale);

        var intents = system.IntentsOf(sale.TransactionId);
        var intent = Assert.Single(intents);
        Assert.Equal(transaction.PaymentIntentId, (string?)intent["id"]);
        Assert.Equal(8000L, (long)intent["amount"]!);
        Assert.Equal("usd", (string?)intent["currency"]);
        Assert.Equal(1200L, (long)intent["application_fee_amount"]!); // 15 % on Discover
        Assert.Equal("acct_1SellerDiscover", (string?)intent["transfer_data"]!["destination"]);
        Assert.Equal(sale.OfferId.ToString(), (string?)intent["metadata"]!["offer_id"]);
        Assert.StartsWith($"{intent["id"]}_secret_", transaction.ClientSecret);

        var creates = system.Stripe.Requests.Where(r => r.Path == "/v1/payment_intents" && r.Form.GetValueOrDefault("metadata[transaction_id]") == sale.TransactionId.ToString()).ToList();
        var create = Assert.Single(creates);
        Assert.Equal($"pi-create-{sale.TransactionId}", create.IdempotencyKey);
        Assert.Equal("8000", create.Form["amount"]);
        Assert.Equal("1200", create.Form["application_fee_amount"]);

        // The buyer sees the client secret, the seller does not, anyone else learns nothing.
        var asBuyer = await sale.Buyer.GetTransaction(sale.TransactionId);
        Assert.Equal("pending", asBuyer.GetProperty("status").GetString());
        Assert.Equal(transaction.ClientSecret, asBuyer.GetProperty("payment").GetProperty("client_secret").GetString());
        Assert.Equal(80m, asBuyer.GetProperty("amount").GetDecimal());
        var asSeller = await sale.Seller.GetTransaction(sale.TransactionId);
        Assert.Equal(transaction.PaymentIntentId, asSeller.GetProperty("payment").GetProperty("payment_intent_id").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, asSeller.GetProperty("payment").GetProperty("client_secret").ValueKind);
        Assert.Equal("destination_charge", asSeller.GetProperty("payout").GetProperty("status").GetString());
        var (offerStatus, offer) = await sale.Seller.Send(HttpMethod.Get, $"/api/v1/offers/{sale.OfferId}");
        Assert.Equal(HttpStatusCode.OK, offerStatus);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, offer.GetProperty("transaction").GetProperty("payment").GetProperty("client_secret").ValueKind);
        var stranger = await system.CreateUserAsync();
        var (strangerStatus, problem) = await stranger.Send(HttpMethod.Get, $"/api/v1/transactions/{sale.TransactionId}");
        Assert.Equal((HttpStatusCode.NotFound, "transaction_not_found"), (strangerStatus, problem.Code()));

        Assert.Contains(system.TransactionUpdates, u => u.TransactionId == sale.TransactionId && u.Change == "payment_requested");
    }

    [Fact]
    public async Task Should_still_have_one_payment_intent_when_OfferAccepted_is_delivered_again()
    {
        var sale = await system.AcceptedSale();
        var transaction = await system.WithIntent(sale);

        // The same event again, twice with one message id (a broker redelivery) and once as a new message (a re-publish).
        await using var db = system.NewDbContext();
        var offer = await db.Offers.AsNoTracking().SingleAsync(o => o.CorrelationId == sale.OfferId);
        var accepted = new OfferAccepted(sale.OfferId,
            new OfferSnapshot(offer.CorrelationId, offer.ProductId, offer.ProductTitle, offer.BuyerId, offer.SellerId, offer.ConversationId,
                "accepted", null, offer.OfferedPrice, offer.CounterPrice, offer.ListPrice, offer.Currency, offer.Feed, offer.Round, null,
                offer.CreatedAt, offer.UpdatedAt, transaction.Id),
            sale.Seller.Id,
            new TransactionSnapshot(transaction.Id, transaction.OfferId, transaction.ProductId, transaction.BuyerId, transaction.SellerId,
                transaction.Amount, transaction.PlatformFee, transaction.SellerPayout, transaction.Currency, transaction.Status),
            DateTime.UtcNow);
        await using var handle = await system.BusAsync();
        var endpoint = await handle.Bus.GetSendEndpoint(new Uri("queue:payment-state"));
        var messageId = NewId.NextGuid();
        await endpoint.Send(accepted, c => c.MessageId = messageId);
        await endpoint.Send(accepted, c => c.MessageId = messageId);
        await endpoint.Send(accepted);

        var consumed = await OfferApi.Eventually(
            () => db.InboxStates.AsNoTracking().Where(i => i.MessageId == messageId).ToListAsync(),
            rows => rows.Count == 1 && rows[0].Delivered != null, TimeSpan.FromSeconds(20));
        Assert.Single(consumed);
        await Task.Delay(1000);

        Assert.Single(system.IntentsOf(sale.TransactionId));
        var after = await db.Transactions.AsNoTracking().SingleAsync(t => t.Id == sale.TransactionId);
        Assert.Equal(transaction.PaymentIntentId, after.PaymentIntentId);
        Assert.Equal("AwaitingPayment", (await system.Payment(sale.TransactionId)).CurrentState);
    }

    [Fact]
    public async Task Should_still_have_one_payment_intent_when_the_worker_dies_between_the_stripe_call_and_its_commit()
    {
        await File.WriteAllTextAsync(system.CrashMarker, "kill the worker after the next PaymentIntent create");
        try
        {
            var sale = await system.AcceptedSale();

            // The worker called Stripe, then died before committing: Stripe has the intent, our database does not (the sale and
            // its deadline were committed before the step that calls Stripe).
            var died = await OfferApi.Eventually(() => Task.FromResult(!system.WorkersRunning), d => d, TimeSpan.FromSeconds(30));
            Assert.True(died, "the worker did not die at the test switch");
            Assert.False(File.Exists(system.CrashMarker));
            var intent = Assert.Single(system.IntentsOf(sale.TransactionId));
            await using (var db = system.NewDbContext())
            {
                Assert.Null((await db.Transactions.AsNoTracking().SingleAsync(t => t.Id == sale.TransactionId)).PaymentIntentId);
                var payment = await db.Payments.AsNoTracking().SingleAsync(p => p.CorrelationId == sale.TransactionId);
                Assert.Null(payment.PaymentIntentId);
                Assert.NotNull(payment.DeadlineTokenId);
            }

            // CreatePaymentIntent was never acknowledged: the restarted worker gets it again and finds the intent by its metadata
            // (within Stripe's 24 hours the idempotency key would replay it too).
            await system.StartWorkersAsync();
            var transaction = await system.WithIntent(sale);

            Assert.Equal((string?)intent["id"], transaction.PaymentIntentId);
            Assert.Single(system.IntentsOf(sale.TransactionId));
            var create = Assert.Single(system.Stripe.Requests, r => r.IdempotencyKey == $"pi-create-{sale.TransactionId}");
            Assert.False(create.Replayed);
            Assert.Contains(system.Stripe.Requests, r => r.Path == "/v1/payment_intents/search" && r.At > create.At);
        }
        finally
        {
            File.Delete(system.CrashMarker);
            if (!system.WorkersRunning)
                await system.StartWorkersAsync();
        }
    }
}
