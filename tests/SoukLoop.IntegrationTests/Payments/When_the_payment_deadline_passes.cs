using Microsoft.EntityFrameworkCore;
using SoukLoop.Persistence.Model;

namespace SoukLoop.IntegrationTests.Payments;

public class ShortPaymentDeadlineFixture : PaymentsFixture
{
    protected override TimeSpan PayWithin => TimeSpan.FromSeconds(6);
}

public class When_the_payment_deadline_passes(ShortPaymentDeadlineFixture system) : IClassFixture<ShortPaymentDeadlineFixture>
{
    [Fact]
    public async Task Should_cancel_the_intent_put_the_product_back_and_tell_both_parties()
    {
        var sale = await system.AcceptedSale(beforeAccept: async (seller, buyer) =>
        {
            await seller.RegisterDevice($"seller-{Guid.NewGuid():N}", "android");
            await buyer.RegisterDevice($"buyer-{Guid.NewGuid():N}", "ios");
        });
        var transaction = await system.WithIntent(sale);
        await using (var db = system.NewDbContext())
            Assert.Equal(ProductStatuses.Sold, (await db.Products.AsNoTracking().SingleAsync(p => p.Id == sale.Product.Id)).Status);

        await system.TransactionEventually(sale.TransactionId, t => t.Status == TransactionStatuses.Cancelled);

        await using (var db = system.NewDbContext())
        {
            Assert.Equal(ProductStatuses.Available, (await db.Products.AsNoTracking().SingleAsync(p => p.Id == sale.Product.Id)).Status);
            var payment = await db.Payments.AsNoTracking().SingleAsync(p => p.CorrelationId == sale.TransactionId);
            Assert.Equal("Cancelled", payment.CurrentState);
            Assert.Equal("payment_deadline_passed", payment.FailureCode);
        }
        var intent = Assert.Single(system.IntentsOf(sale.TransactionId));
        Assert.Equal("canceled", (string?)intent["status"]);
        Assert.Equal("abandoned", (string?)intent["cancellation_reason"]);
        Assert.Equal(transaction.PaymentIntentId, (string?)intent["id"]);

        var cancelled = await OfferApi.Eventually(() => Task.FromResult(system.Cancellations.Where(c => c.TransactionId == sale.TransactionId).ToList()),
            l => l.Count > 0, TimeSpan.FromSeconds(10));
        Assert.Equal("cancelled", Assert.Single(cancelled).Transaction.Status);
        Assert.Contains(system.TransactionUpdates, u => u.TransactionId == sale.TransactionId && u.Change == "cancelled" && u.ActorId == null);

        // Both parties hear of it; Stripe's payment_intent.canceled webhook that follows changes nothing.
        var pushes = await OfferApi.Eventually(
            () => Task.FromResult(system.Fcm.Delivered.Where(m => (string?)m.Message["data"]?["type"] == "payment_cancelled"
                && (string?)m.Message["data"]?["transaction_id"] == sale.TransactionId.ToString()).ToList()),
            l => l.Count >= 2, TimeSpan.FromSeconds(15));
        Assert.Equal(2, pushes.Count);
        var (status, retry) = await sale.Buyer.Send(HttpMethod.Post, $"/api/v1/transactions/{sale.TransactionId}/retry-payment");
        Assert.Equal((System.Net.HttpStatusCode.Conflict, "transaction_cancelled"), (status, retry.Code()));

        // The product can be sold again.
        var another = await system.CreateUserAsync();
        var offer = await another.MakeOffer(sale.Product.Id, 70m);
        Assert.Equal("pending", offer.Status());
    }

    [Fact]
    public async Task Should_not_cancel_a_transaction_paid_before_the_deadline()
    {
        var sale = await system.AcceptedSale();
        var transaction = await system.WithIntent(sale);
        system.Stripe.Succeed(transaction.PaymentIntentId!);
        await system.WithStatus(sale, TransactionStatuses.Paid);

        await Task.Delay(TimeSpan.FromSeconds(8));
        await using var db = system.NewDbContext();
        Assert.Equal(TransactionStatuses.Paid, (await db.Transactions.AsNoTracking().SingleAsync(t => t.Id == sale.TransactionId)).Status);
        Assert.Equal(ProductStatuses.Sold, (await db.Products.AsNoTracking().SingleAsync(p => p.Id == sale.Product.Id)).Status);
        Assert.Equal("succeeded", (string?)Assert.Single(system.IntentsOf(sale.TransactionId))["status"]);
    }
}
