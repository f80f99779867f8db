using MassTransit;
using Microsoft.EntityFrameworkCore;
using SoukLoop.Contracts;
using SoukLoop.Persistence;
using SoukLoop.Persistence.Model;

namespace SoukLoop.Workers.Offers;

/// <summary>Copies the product's facts onto a new offer and keeps the product in the context for the rules.</summary>
public class LoadProductActivity(SoukDbContext db) : IStateMachineActivity<OfferState, MakeOffer>
{
    public async Task Execute(BehaviorContext<OfferState, MakeOffer> context, IBehavior<OfferState, MakeOffer> next)
    {
        var product = await db.Products.AsNoTracking().SingleOrDefaultAsync(p => p.Id == context.Message.ProductId, context.CancellationToken)
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
