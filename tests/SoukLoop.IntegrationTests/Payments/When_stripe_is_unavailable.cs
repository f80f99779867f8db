using Microsoft.EntityFrameworkCore;
using SoukLoop.Persistence.Model;

namespace SoukLoop.IntegrationTests.Payments;

[Collection(PaymentsCollection.Name)]
public class When_stripe_is_briefly_unavailable(PaymentsFixture system)
{
    [Fact]
    public async Task Should_still_create_one_payment_intent_when_stripe_answers_429_a_few_times()
    {
        // 429 is not retried by Stripe.net itself (only 409/5xx/network errors are): the endpoint's retry policy must.
        var since = DateTime.UtcNow;
        var errorsBefore = await system.QueueMessages("payment-state_error");
        system.Stripe.FailNext(3, 429, "/v1/payment_intents");
        var sale = await system.AcceptedSale();

        var transaction = await system.WithIntent(sale);
        var intent = Assert.Single(system.IntentsOf(sale.TransactionId));
        Assert.Equal((string?)intent["id"], transaction.PaymentIntentId);
        Assert.Equal(3, system.Stripe.Requests.Count(r => r.At >= since && r.Status == 429 && r.Path.StartsWith("/v1/payment_intents")));
        Assert.Equal(TransactionStatuses.Pending, transaction.Status);
        Assert.Empty(await system.FaultsOf(sale.OfferId));
        Assert.Equal(errorsBefore, await system.QueueMessages("payment-state_error"));
    }
}

public class StripeOutageFixture : PaymentsFixture
{
    // Longer than every retry of the step (3 rounds of about 12 s with the fixture's redelivery intervals), so it gives up first.
    protected override TimeSpan PayWithin => TimeSpan.FromSeconds(70);
}

public class When_stripe_stays_down_past_every_retry(StripeOutageFixture system) : IClassFixture<StripeOutageFixture>
{
    [Fact]
    public async Task Should_keep_the_deadline_show_the_fault_to_support_and_relist_the_product_when_the_deadline_passes()
    {
        system.Stripe.FailNext(int.MaxValue, 429, "/v1/payment_intents");
        try
        {
            var accepted = DateTime.UtcNow;
            var sale = await system.AcceptedSale();

            // The saga exists with its deadline before Stripe is asked, and the step's final fault is on the offer for support.
            var fault = await system.FaultEventually(sale.OfferId, "CreatePaymentIntent");
            Assert.Equal("Stripe.StripeException", fault.ExceptionType);
            Assert.Null(fault.RedrivenAt);
            // Support sees the step's fault from its first failed delivery on; the saga marks the sale once the fault is final.
            var payment = await OfferApi.Eventually(() => system.Payment(sale.TransactionId), p => p.FailureCode != null, TimeSpan.FromSeconds(90));
            Assert.Equal("AwaitingPayment", payment.CurrentState);
            Assert.Null(payment.PaymentIntentId);
            Assert.Equal("payment_setup_failed", payment.FailureCode);
            Assert.Equal(TimeSpan.FromSeconds(70), payment.PayBy!.Value - payment.CreatedAt);
            Assert.True(payment.CreatedAt >= accepted);
            await using (var db = system.NewDbContext())
            {
                var deadline = await db.ScheduledMessages.AsNoTracking().SingleAsync(s => s.TokenId == payment.DeadlineTokenId);
                Assert.Null(deadline.FiredAt);
                Assert.Null(deadline.CancelledAt);
                Assert.Equal(TransactionStatuses.Pending, (await db.Transactions.AsNoTracking().SingleAsync(t => t.Id == sale.TransactionId)).Status);
                Assert.Equal(ProductStatuses.Sold, (await db.Products.AsNoTracking().SingleAsync(p => p.Id == sale.Product.Id)).Status);
            }
            Assert.Empty(system.IntentsOf(sale.TransactionId));
            var asBuyer = await sale.Buyer.GetTransaction(sale.TransactionId);
            Assert.Equal("payment_setup_failed", asBuyer.GetProperty("payment").GetProperty("failure_code").GetString());

            // Stripe comes back, nobody pays: the deadline relists the product.
            system.Stripe.Recover();
            await OfferApi.Eventually(() => Task.FromResult(DateTime.UtcNow), now => now > payment.PayBy.Value, TimeSpan.FromSeconds(90));
            await system.TransactionEventually(sale.TransactionId, t => t.Status == TransactionStatuses.Cancelled);
            await using (var db = system.NewDbContext())
                Assert.Equal(ProductStatuses.Available, (await db.Products.AsNoTracking().SingleAsync(p => p.Id == sale.Product.Id)).Status);
            Assert.Equal("Cancelled", (await system.Payment(sale.TransactionId)).CurrentState);
            Assert.Empty(system.IntentsOf(sale.TransactionId));
        }
        finally
        {
            system.Stripe.Recover();
        }
    }
}
