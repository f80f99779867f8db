using MassTransit;
using Microsoft.EntityFrameworkCore;
using SoukLoop.Contracts;
using SoukLoop.Persistence;
using SoukLoop.Persistence.Model;

namespace SoukLoop.Workers.Offers;

/// <summary>Copies the product's facts onto a new offer and keeps the product in the context for the rules, read under a share lock.</summary>
public class LoadProductActivity(SoukDbContext db) : IStateMachineActivity<OfferState, MakeOffer>
{
    public async Task Execute(BehaviorContext<OfferState, MakeOffer> context, IBehavior<OfferState, MakeOffer> next)
    {
        // FOR SHARE: an accept of another offer updates the product under a row lock (CompleteSaleActivity). Offers made at
        // the same time share this lock and commit before that update can run, so the accept's closing of the other offers
        // sees them (CloseSoldOffersConsumer); an offer made once the update ran waits for the accept's commit and reads
        // "sold". Without the lock it could read "available" then commit after the closing, and stay open on a sold product.
        var product = await db.Products
            .FromSql($"SELECT * FROM products WHERE id = {context.Message.ProductId} FOR SHARE")
            .AsNoTracking()
            .SingleOrDefaultAsync(context.CancellationToken)
            ?? throw new OfferRuleViolation(Rejection.ProductNotFound);

        var offer = context.Saga;
        offer.ProductId = product.Id;
        offer.ProductTitle = product.Title;
        offer.SellerId = product.SellerId;
        offer.ListPrice = product.Price;
        offer.Currency = product.Currency;
        offer.Feed = product.Feed;
        context.GetOrAddPayload(() => product);

        await next.Execute(context);
    }

    public Task Faulted<TException>(BehaviorExceptionContext<OfferState, MakeOffer, TException> context, IBehavior<OfferState, MakeOffer> next)
        where TException : Exception => next.Faulted(context);

    public void Probe(ProbeContext context) => context.CreateScope("load-product");

    public void Accept(StateMachineVisitor visitor) => visitor.Visit(this);
}
