using System.Net;
using Microsoft.EntityFrameworkCore;
using SoukLoop.Persistence.Model;

namespace SoukLoop.IntegrationTests.Payments;

[Collection(PaymentsCollection.Name)]
public class When_the_payout_transfer_fails(PaymentsFixture system)
{
    [Fact]
    public async Task Should_keep_the_payment_paid_show_the_payout_pending_and_send_it_once_when_redriven()
    {
        // A plain charge (no account at accept), the seller connects one before the buyer pays: the payout is a Transfer.
        var sale = await system.AcceptedSale(listPrice: 120m, offered: 100m, feed: Feeds.Community);
        var transaction = await system.WithIntent(sale);
        var (ok, body) = await sale.Seller.Send(HttpMethod.Put, "/api/v1/users/me/payout-account", new { stripe_account_id = "acct_1BeforePaying" });
        Assert.True(ok == HttpStatusCode.OK, $"{(int)ok} {body}");

        system.Stripe.FailNext(int.MaxValue, 429, "/v1/transfers");
        try
        {
            system.Stripe.Succeed(transaction.PaymentIntentId!);

            // The payment is recorded whatever Stripe does with the transfer.
            var paid = await system.WithStatus(sale, TransactionStatuses.Paid);
            var fault = await system.FaultEventually(sale.OfferId, "SendPayout");
            var payment = await system.Payment(sale.TransactionId);
            Assert.Equal("Paid", payment.CurrentState);
            Assert.NotNull(payment.PaidAt);
            Assert.Equal(PayoutStatuses.TransferPending, payment.PayoutStatus);
            Assert.Equal("acct_1BeforePaying", payment.PayoutAccountId);
            Assert.Null(payment.TransferId);
            Assert.Empty(system.TransfersOf(sale.TransactionId));
            var asSeller = await sale.Seller.GetTransaction(sale.TransactionId);
            Assert.Equal("paid", asSeller.GetProperty("status").GetString());
            Assert.Equal("transfer_pending", asSeller.GetProperty("payout").GetProperty("status").GetString());
            Assert.Equal(TransactionStatuses.Paid, paid.Status);

            // Stripe is back; support re-drives the payout step: one transfer.
            system.Stripe.Recover();
            var support = await system.CreateUserAsync(Roles.Support);
            var (redriven, answer) = await support.Send(HttpMethod.Post, $"/api/v1/support/faults/{fault.Id}/redrive", new { reason = "Stripe outage over" });
            Assert.True(redriven == HttpStatusCode.OK, $"{(int)redriven} {answer}");
            payment = await system.PaymentEventually(sale.TransactionId, p => p.PayoutStatus == PayoutStatuses.TransferSent);
            var transfer = Assert.Single(system.TransfersOf(sale.TransactionId));
            Assert.Equal(payment.TransferId, (string?)transfer["id"]);
            Assert.Equal(9500L, (long)transfer["amount"]!);
            Assert.Equal("Paid", payment.CurrentState);
        }
        finally
        {
            system.Stripe.Recover();
        }
    }
}

[Collection(PaymentsCollection.Name)]
public class When_a_payment_step_is_redriven_after_stripe_forgot_its_key(PaymentsFixture system)
{
    [Fact]
    public async Task Should_find_the_payment_intent_made_a_day_before_instead_of_making_a_second()
    {
        await File.WriteAllTextAsync(system.CrashMarker, "kill the worker after the next Stripe create");
        try
        {
            var sale = await system.AcceptedSale();
            var died = await OfferApi.Eventually(() => Task.FromResult(!system.WorkersRunning), d => d, TimeSpan.FromSeconds(30));
            Assert.True(died, "the worker did not die at the test switch");
            var intent = Assert.Single(system.IntentsOf(sale.TransactionId));

            // A day passes before the step runs again: Stripe no longer knows the idempotency key.
            system.Stripe.ForgetIdempotencyKeys();
            await system.StartWorkersAsync();

            var transaction = await system.WithIntent(sale);
            Assert.Equal((string?)intent["id"], transaction.PaymentIntentId);
            Assert.Single(system.IntentsOf(sale.TransactionId));
            Assert.Equal(transaction.ClientSecret, (string?)intent["client_secret"]);
        }
        finally
        {
            File.Delete(system.CrashMarker);
            if (!system.WorkersRunning)
                await system.StartWorkersAsync();
        }
    }

    [Fact]
    public async Task Should_find_the_transfer_made_a_day_before_instead_of_sending_a_second()
    {
        var sale = await system.AcceptedSale(listPrice: 60m, offered: 50m, feed: Feeds.Community);
        var transaction = await system.WithIntent(sale);
        system.Stripe.Succeed(transaction.PaymentIntentId!);
        await system.PaymentEventually(sale.TransactionId, p => p.PayoutStatus == PayoutStatuses.AwaitingAccount);

        await File.WriteAllTextAsync(system.CrashMarker, "kill the worker after the next Stripe create");
        try
        {
            var (ok, body) = await sale.Seller.Send(HttpMethod.Put, "/api/v1/users/me/payout-account", new { stripe_account_id = "acct_1ForgetfulStripe" });
            Assert.True(ok == HttpStatusCode.OK, $"{(int)ok} {body}");
            var died = await OfferApi.Eventually(() => Task.FromResult(!system.WorkersRunning), d => d, TimeSpan.FromSeconds(30));
            Assert.True(died, "the worker did not die at the test switch");
            var transfer = Assert.Single(system.TransfersOf(sale.TransactionId));

            system.Stripe.ForgetIdempotencyKeys();
            await system.StartWorkersAsync();

            var payment = await system.PaymentEventually(sale.TransactionId, p => p.PayoutStatus == PayoutStatuses.TransferSent);
            Assert.Equal((string?)transfer["id"], payment.TransferId);
            await Task.Delay(1000);
            Assert.Single(system.TransfersOf(sale.TransactionId));
        }
        finally
        {
            File.Delete(system.CrashMarker);
            if (!system.WorkersRunning)
                await system.StartWorkersAsync();
        }
    }
}

[Collection(PaymentsCollection.Name)]
public class When_the_payout_account_message_is_lost(PaymentsFixture system)
{
    [Fact]
    public async Task Should_still_pay_out_the_held_sale_once()
    {
        var sale = await system.AcceptedSale(listPrice: 80m, offered: 70m, feed: Feeds.Community);
        var transaction = await system.WithIntent(sale);
        system.Stripe.Succeed(transaction.PaymentIntentId!);
        await system.PaymentEventually(sale.TransactionId, p => p.PayoutStatus == PayoutStatuses.AwaitingAccount);

        // The Api's write committed, and its message never reached the broker (broker down, or the Api died right after).
        await using (var db = system.NewDbContext())
            await db.Database.ExecuteSqlAsync($"UPDATE users SET stripe_account_id = 'acct_1LostMessage' WHERE id = {sale.Seller.Id}");

        var payment = await system.PaymentEventually(sale.TransactionId, p => p.PayoutStatus == PayoutStatuses.TransferSent);
        var transfer = Assert.Single(system.TransfersOf(sale.TransactionId));
        Assert.Equal("acct_1LostMessage", (string?)transfer["destination"]);
        Assert.Equal(payment.TransferId, (string?)transfer["id"]);

        // Later sweeps and a PUT of the same account move no money twice.
        var (ok, _) = await sale.Seller.Send(HttpMethod.Put, "/api/v1/users/me/payout-account", new { stripe_account_id = "acct_1LostMessage" });
        Assert.Equal(HttpStatusCode.OK, ok);
        await Task.Delay(TimeSpan.FromSeconds(6));
        Assert.Single(system.TransfersOf(sale.TransactionId));
        Assert.Equal(PayoutStatuses.TransferSent, (await system.Payment(sale.TransactionId)).PayoutStatus);
    }
}
