using System.Net;
using Microsoft.EntityFrameworkCore;
using SoukLoop.Persistence.Model;

namespace SoukLoop.IntegrationTests.Payments;

/// <summary>The documented short deadline (docs/payments.md, <c>Payments:PayWithin</c>) relists an unpaid sale within the test.</summary>
public class TenSecondPaymentDeadlineFixture : PaymentsFixture
{
    protected override TimeSpan PayWithin => TimeSpan.FromSeconds(10);
}

public class When_a_relisted_product_sells_again(TenSecondPaymentDeadlineFixture system) : IClassFixture<TenSecondPaymentDeadlineFixture>
{
    [Fact]
    public async Task Should_accept_a_new_offer_with_a_new_transaction_and_ask_for_payment_again()
    {
        await system.WarmUpMovesAsync();
        var first = await system.AcceptedSale();
        await system.WithIntent(first);
        // Nobody pays: the deadline cancels the sale and puts the product back on sale.
        await system.WithStatus(first, TransactionStatuses.Cancelled);
        await using (var db = system.NewDbContext())
            Assert.Equal(ProductStatuses.Available, (await db.Products.AsNoTracking().SingleAsync(p => p.Id == first.Product.Id)).Status);

        var buyer = await system.CreateUserAsync();
        var offer = await buyer.MakeOffer(first.Product.Id, 70m);
        var (status, body) = await first.Seller.Move(offer.Id(), "accept");

        Assert.True(status == HttpStatusCode.OK, $"accept of the relisted product: {(int)status} {body}");
        Assert.Equal("accepted", body.Status());
        var transactionId = body.GetProperty("transaction").GetProperty("id").GetGuid();
        Assert.NotEqual(first.TransactionId, transactionId);
        var second = new Sale(first.Seller, buyer, first.Product, offer.Id(), transactionId, offer.GetProperty("conversation_id").GetGuid());
        var transaction = await system.WithIntent(second);
        Assert.Equal((offer.Id(), 70m), (transaction.OfferId, transaction.Amount));

        await using (var db = system.NewDbContext())
        {
            var saga = await db.Offers.AsNoTracking().SingleAsync(o => o.CorrelationId == offer.Id());
            Assert.Equal(("Accepted", (Guid?)transactionId), (saga.CurrentState, saga.TransactionId));
            var sales = await db.Transactions.AsNoTracking().Where(t => t.ProductId == first.Product.Id).OrderBy(t => t.CreatedAt).ToListAsync();
            Assert.Equal([(first.TransactionId, TransactionStatuses.Cancelled), (transactionId, TransactionStatuses.Pending)],
                sales.Select(t => (t.Id, t.Status)).ToArray());
            Assert.Equal(ProductStatuses.Sold, (await db.Products.AsNoTracking().SingleAsync(p => p.Id == first.Product.Id)).Status);
        }
        Assert.Single(system.IntentsOf(transactionId));
        // The first sale keeps its one, cancelled, intent.
        Assert.Equal("canceled", (string?)Assert.Single(system.IntentsOf(first.TransactionId))["status"]);
    }
}
