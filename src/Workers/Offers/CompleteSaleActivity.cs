using MassTransit;
using Microsoft.EntityFrameworkCore;
using SoukLoop.Contracts;
using SoukLoop.Persistence;
using SoukLoop.Persistence.Model;

namespace SoukLoop.Workers.Offers;

/// <summary>
/// Accepting sells the product exactly once: the conditional update below only matches an available product, and
/// a concurrent accept of another offer waits on the row lock, then finds it sold. Creates the transaction. The product's
/// other open offers are closed after the sale commits, by <see cref="CloseSoldOffersConsumer"/> on
/// <see cref="OfferAccepted"/>, not in this transaction: however many there are, the accept answers at once.
/// </summary>
public class CompleteSaleActivity(SoukDbContext db) : IStateMachineActivity<OfferState, AcceptOffer>
{
    public async Task Execute(BehaviorContext<OfferState, AcceptOffer> context, IBehavior<OfferState, AcceptOffer> next)
    {
        var offer = context.Saga;
        var now = DateTime.UtcNow;

        var sold = await db.Database.ExecuteSqlAsync(
            $"UPDATE products SET status = 'sold', updated_at = {now} WHERE id = {offer.ProductId} AND status = 'available'",
            context.CancellationToken);
        if (sold == 0)
            throw new OfferRuleViolation(Rejection.ProductNotAvailable);

        var amount = offer.AgreedPrice();
        var (fee, payout) = PlatformFee.Split(amount, offer.Feed);
        var transaction = new Transaction
        {
            Id = NewId.NextGuid(),
            OfferId = offer.CorrelationId,
            ProductId = offer.ProductId,
            BuyerId = offer.BuyerId,
            SellerId = offer.SellerId,
            Amount = amount,
            PlatformFee = fee,
            SellerPayout = payout,
            Currency = offer.Currency,
            Status = TransactionStatuses.Pending,
            CreatedAt = now,
            UpdatedAt = now
        };
        db.Transactions.Add(transaction);
        await db.SaveChangesAsync(context.CancellationToken);
        offer.TransactionId = transaction.Id;
        context.GetOrAddPayload(() => transaction);

        await next.Execute(context);
    }

    public Task Faulted<TException>(BehaviorExceptionContext<OfferState, AcceptOffer, TException> context, IBehavior<OfferState, AcceptOffer> next)
        where TException : Exception => next.Faulted(context);

    public void Probe(ProbeContext context) => context.CreateScope("complete-sale");

    public void Accept(StateMachineVisitor visitor) => visitor.Visit(this);
}
