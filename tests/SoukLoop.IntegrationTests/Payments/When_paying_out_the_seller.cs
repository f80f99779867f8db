using System.Net;
using SoukLoop.Persistence.Model;

namespace SoukLoop.IntegrationTests.Payments;

[Collection(PaymentsCollection.Name)]
public class When_paying_out_the_seller(PaymentsFixture system)
{
    [Fact]
    public async Task Should_pay_a_connected_seller_with_a_destination_charge_and_no_transfer()
    {
        var sale = await system.AcceptedSale(listPrice: 50m, offered: 40m, feed: Feeds.Community, sellerAccount: "acct_1Connected");
        var transaction = await system.WithIntent(sale);
        var intent = Assert.Single(system.IntentsOf(sale.TransactionId));
        Assert.Equal("acct_1Connected", (string?)intent["transfer_data"]!["destination"]);
        Assert.Equal(200L, (long)intent["application_fee_amount"]!); // 5 % of 40.00 on Community

        system.Stripe.Succeed(transaction.PaymentIntentId!);
        await system.WithStatus(sale, TransactionStatuses.Paid);
        var payment = await system.Payment(sale.TransactionId);
        Assert.Equal(PayoutStatuses.DestinationCharge, payment.PayoutStatus);
        Assert.DoesNotContain(system.Stripe.Transfers, t => (string?)t["metadata"]?["transaction_id"] == sale.TransactionId.ToString());
    }

    [Fact]
    public async Task Should_transfer_the_payout_once_a_seller_without_an_account_adds_one()
    {
        var sale = await system.AcceptedSale(listPrice: 200m, offered: 150m, feed: Feeds.Discover);
        var transaction = await system.WithIntent(sale);
        var intent = Assert.Single(system.IntentsOf(sale.TransactionId));
        Assert.Null(intent["transfer_data"]);
        Assert.Null(intent["application_fee_amount"]);
        Assert.Equal(15000L, (long)intent["amount"]!);

        system.Stripe.Succeed(transaction.PaymentIntentId!);
        await system.WithStatus(sale, TransactionStatuses.Paid);
        await system.PaymentEventually(sale.TransactionId, p => p.PayoutStatus == PayoutStatuses.AwaitingAccount);
        var asSeller = await sale.Seller.GetTransaction(sale.TransactionId);
        Assert.Equal("awaiting_account", asSeller.GetProperty("payout").GetProperty("status").GetString());

        var (bad, problem) = await sale.Seller.Send(HttpMethod.Put, "/api/v1/users/me/payout-account", new { stripe_account_id = "ba_123" });
        Assert.Equal((HttpStatusCode.BadRequest, "validation_failed"), (bad, problem.Code()));
        Assert.True(problem.GetProperty("errors").TryGetProperty("stripe_account_id", out _));

        var (ok, body) = await sale.Seller.Send(HttpMethod.Put, "/api/v1/users/me/payout-account", new { stripe_account_id = "acct_1LateSeller" });
        Assert.True(ok == HttpStatusCode.OK, $"{(int)ok} {body}");
        Assert.Equal("acct_1LateSeller", body.GetProperty("stripe_account_id").GetString());

        var payment = await system.PaymentEventually(sale.TransactionId, p => p.PayoutStatus == PayoutStatuses.TransferSent);
        var transfer = Assert.Single(system.Stripe.Transfers, t => (string?)t["metadata"]?["transaction_id"] == sale.TransactionId.ToString());
        Assert.Equal(12750L, (long)transfer["amount"]!); // 150.00 less 15 %
        Assert.Equal("acct_1LateSeller", (string?)transfer["destination"]);
        Assert.Equal(payment.TransferId, (string?)transfer["id"]);
        Assert.Equal(payment.ChargeId, (string?)transfer["source_transaction"]);
        var request = Assert.Single(system.Stripe.Requests, r => r.Path == "/v1/transfers" && r.IdempotencyKey == $"transfer-{sale.TransactionId}");
        Assert.Equal("12750", request.Form["amount"]);

        // Setting the account again moves no money twice.
        await sale.Seller.Send(HttpMethod.Put, "/api/v1/users/me/payout-account", new { stripe_account_id = "acct_1LateSeller" });
        await Task.Delay(1500);
        Assert.Single(system.Stripe.Transfers, t => (string?)t["metadata"]?["transaction_id"] == sale.TransactionId.ToString());
        var read = await sale.Seller.GetTransaction(sale.TransactionId);
        Assert.Equal("transfer_sent", read.GetProperty("payout").GetProperty("status").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, (await sale.Buyer.GetTransaction(sale.TransactionId)).GetProperty("payout").ValueKind);
    }
}
