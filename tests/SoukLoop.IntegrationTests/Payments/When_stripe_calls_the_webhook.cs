using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using SoukLoop.Persistence.Model;
using SoukLoop.StandIns;

namespace SoukLoop.IntegrationTests.Payments;

[Collection(PaymentsCollection.Name)]
public class When_stripe_calls_the_webhook(PaymentsFixture system)
{
    [Fact]
    public async Task Should_mark_the_transaction_paid_on_a_signed_succeeded_event_and_tell_both_parties()
    {
        var sale = await system.AcceptedSale();
        var transaction = await system.WithIntent(sale);

        // The buyer pays; the stand-in signs payment_intent.succeeded and posts it to the webhook.
        Assert.NotNull(system.Stripe.Succeed(transaction.PaymentIntentId!));
        await system.WithStatus(sale, TransactionStatuses.Paid);

        var read = await sale.Buyer.GetTransaction(sale.TransactionId);
        Assert.Equal("paid", read.GetProperty("status").GetString());
        Assert.NotEqual(JsonValueKind.Null, read.GetProperty("payment").GetProperty("paid_at").ValueKind);
        var payment = await system.Payment(sale.TransactionId);
        Assert.Equal("Paid", payment.CurrentState);
        Assert.StartsWith("ch_", payment.ChargeId);

        var paid = await OfferApi.Eventually(
            () => Task.FromResult(system.TransactionUpdates.Where(u => u.TransactionId == sale.TransactionId && u.Change == "paid").ToList()),
            l => l.Count > 0, TimeSpan.FromSeconds(10));
        var update = Assert.Single(paid);
        Assert.Equal("paid", update.Status);
        Assert.Equal(sale.Buyer.Id, update.BuyerId);
        Assert.Equal(sale.Seller.Id, update.SellerId);
        Assert.Equal(sale.ConversationId, update.ConversationId);
        Assert.Equal(sale.Buyer.Id, update.ActorId);
        Assert.Equal(80m, update.Transaction.Amount);
    }

    [Fact]
    public async Task Should_refuse_forged_stale_and_unsigned_events_and_change_nothing()
    {
        var sale = await system.AcceptedSale();
        var transaction = await system.WithIntent(sale);
        var genuine = system.Stripe.Succeed(transaction.PaymentIntentId!, deliver: false)!;

        var forged = StripeStandIn.Sign(genuine.Payload, genuine.Timestamp, "whsec_not_the_endpoint_secret");
        var stale = StripeStandIn.Sign(genuine.Payload, DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeSeconds(), system.WebhookSecret);
        var tampered = genuine.Payload.Replace("\"amount\":8000", "\"amount\":1");
        foreach (var (payload, header) in new[] { (forged.Payload, forged.SignatureHeader), (stale.Payload, stale.SignatureHeader),
                     (tampered, genuine.SignatureHeader), (genuine.Payload, null), (genuine.Payload, "t=,v1=") })
        {
            using var response = await system.PostWebhookAsync(payload, header);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode} {body}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("invalid_signature", JsonDocument.Parse(body).RootElement.GetProperty("code").GetString());
        }

        await Task.Delay(1500);
        await using var db = system.NewDbContext();
        Assert.Equal(TransactionStatuses.Pending, (await db.Transactions.AsNoTracking().SingleAsync(t => t.Id == sale.TransactionId)).Status);
        Assert.False(await db.StripeEvents.AnyAsync(e => e.Id == genuine.Id));

        // The genuine one, in time, is taken.
        using (var ok = await system.PostWebhookAsync(genuine.Payload, genuine.SignatureHeader))
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        await system.WithStatus(sale, TransactionStatuses.Paid);
    }

    [Fact]
    public async Task Should_act_once_on_an_event_delivered_again()
    {
        var sale = await system.AcceptedSale();
        var transaction = await system.WithIntent(sale);
        var e = system.Stripe.Succeed(transaction.PaymentIntentId!, deliver: false)!;

        var answers = new List<string>();
        foreach (var _ in Enumerable.Range(0, 3))
        {
            using var response = await system.PostWebhookAsync(e.Payload, e.SignatureHeader);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            answers.Add(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("result").GetString()!);
        }
        Assert.Equal(["accepted", "duplicate", "duplicate"], answers);

        await system.WithStatus(sale, TransactionStatuses.Paid);
        await Task.Delay(1500);
        Assert.Single(system.TransactionUpdates, u => u.TransactionId == sale.TransactionId && u.Change == "paid");
        await using var db = system.NewDbContext();
        Assert.Equal(1, await db.StripeEvents.CountAsync(x => x.Id == e.Id));
    }

    [Fact]
    public async Task Should_never_move_a_paid_transaction_backwards_when_events_arrive_out_of_order()
    {
        var sale = await system.AcceptedSale();
        var transaction = await system.WithIntent(sale);
        var intent = transaction.PaymentIntentId!;
        // At Stripe: a declined card first, then a successful payment. The webhooks arrive the other way round.
        var failed = system.Stripe.Fail(intent, deliver: false)!;
        var succeeded = system.Stripe.Succeed(intent, deliver: false)!;

        using (var r = await system.PostWebhookAsync(succeeded.Payload, succeeded.SignatureHeader))
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        await system.WithStatus(sale, TransactionStatuses.Paid);

        using (var r = await system.PostWebhookAsync(failed.Payload, failed.SignatureHeader))
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var lateCancel = StripeStandIn.Sign(failed.Payload.Replace("payment_intent.payment_failed", "payment_intent.canceled")
            .Replace(failed.Id, failed.Id + "x"), DateTimeOffset.UtcNow.ToUnixTimeSeconds(), system.WebhookSecret);
        using (var r = await system.PostWebhookAsync(lateCancel.Payload, lateCancel.SignatureHeader))
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);

        await using var db = system.NewDbContext();
        await OfferApi.Eventually(() => db.StripeEvents.CountAsync(x => x.TransactionId == sale.TransactionId), n => n == 3, TimeSpan.FromSeconds(10));
        await Task.Delay(2000);
        Assert.Equal(TransactionStatuses.Paid, (await db.Transactions.AsNoTracking().SingleAsync(t => t.Id == sale.TransactionId)).Status);
        Assert.Equal("Paid", (await system.Payment(sale.TransactionId)).CurrentState);
        Assert.DoesNotContain(system.TransactionUpdates, u => u.TransactionId == sale.TransactionId && u.Change == "payment_failed");
    }

    [Fact]
    public async Task Should_let_the_buyer_retry_after_a_failed_payment_with_the_same_intent()
    {
        var sale = await system.AcceptedSale();
        var transaction = await system.WithIntent(sale);

        system.Stripe.Fail(transaction.PaymentIntentId!);
        await system.WithStatus(sale, TransactionStatuses.Failed);
        var failed = await sale.Buyer.GetTransaction(sale.TransactionId);
        Assert.Equal("generic_decline", failed.GetProperty("payment").GetProperty("failure_code").GetString());

        var (sellerStatus, problem) = await sale.Seller.Send(HttpMethod.Post, $"/api/v1/transactions/{sale.TransactionId}/retry-payment");
        Assert.Equal((HttpStatusCode.Forbidden, "only_buyer_can_pay"), (sellerStatus, problem.Code()));

        var (status, retried) = await sale.Buyer.Send(HttpMethod.Post, $"/api/v1/transactions/{sale.TransactionId}/retry-payment");
        Assert.True(status == HttpStatusCode.OK, $"{(int)status} {retried}");
        Assert.Equal("pending", retried.GetProperty("status").GetString());
        // Stripe's intent went back to requires_payment_method: the same intent and client secret are paid again.
        Assert.Equal(transaction.PaymentIntentId, retried.GetProperty("payment").GetProperty("payment_intent_id").GetString());
        Assert.Equal(transaction.ClientSecret, retried.GetProperty("payment").GetProperty("client_secret").GetString());
        Assert.Single(system.IntentsOf(sale.TransactionId));

        system.Stripe.Succeed(transaction.PaymentIntentId!);
        await system.WithStatus(sale, TransactionStatuses.Paid);
        var (again, againProblem) = await sale.Buyer.Send(HttpMethod.Post, $"/api/v1/transactions/{sale.TransactionId}/retry-payment");
        Assert.Equal((HttpStatusCode.Conflict, "transaction_already_paid"), (again, againProblem.Code()));

        var changes = await OfferApi.Eventually(
            () => Task.FromResult(system.TransactionUpdates.Where(u => u.TransactionId == sale.TransactionId).Select(u => u.Change).ToList()),
            l => l.Count >= 4, TimeSpan.FromSeconds(10));
        Assert.Equal(["payment_requested", "payment_failed", "payment_retried", "paid"], changes);
    }
}
