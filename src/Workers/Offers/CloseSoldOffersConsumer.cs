using MassTransit;
using Microsoft.EntityFrameworkCore;
using SoukLoop.Contracts;
using SoukLoop.Persistence;
using SoukLoop.Persistence.Model;
using SoukLoop.Persistence.Sagas;

namespace SoukLoop.Workers.Offers;

/// <summary>
/// After a sale, asks each other open offer on the product to close (declined as <c>product_sold</c>). It runs on its own
/// queue once the accept has committed, so the accept answers at once however many offers the listing has, and the
/// closes go through the outbox in batches (docs/operations.md "A popular listing"). It sees every offer committed before
/// the sale: a MakeOffer takes a share lock on the product (<see cref="LoadProductActivity"/>), so it either commits before
/// the accept's update of the product or waits for it and is refused. Idempotent: the inbox runs it once per event, and
/// a closed offer ignores CloseOffer.
/// </summary>
public class CloseSoldOffersConsumer(SoukDbContext db) : IConsumer<OfferAccepted>
{
    public async Task Consume(ConsumeContext<OfferAccepted> context)
    {
        var sale = context.Message;
        // A sale already undone (unpaid past the deadline) put the product back on sale: its offers stay open.
        var live = await db.Transactions.AsNoTracking()
            .AnyAsync(t => t.Id == sale.Transaction.TransactionId && t.Status != TransactionStatuses.Cancelled, context.CancellationToken);
        if (!live)
            return;

        var others = await db.Offers.AsNoTracking()
            .Where(o => o.ProductId == sale.Offer.ProductId && o.CorrelationId != sale.OfferId
                && (o.CurrentState == nameof(OfferStateMachine.Pending) || o.CurrentState == nameof(OfferStateMachine.Countered)))
            .OrderBy(o => o.CorrelationId)
            .Select(o => o.CorrelationId)
            .ToListAsync(context.CancellationToken);
        foreach (var other in others)
            await context.Publish(new CloseOffer(other, sale.OfferId));
    }
}

/// <summary>Its own queue (<c>close-sold-offers</c>), behind the same retry policy and Postgres inbox/outbox as the offer saga.</summary>
public class CloseSoldOffersConsumerDefinition : ConsumerDefinition<CloseSoldOffersConsumer>
{
    public CloseSoldOffersConsumerDefinition() => EndpointName = "close-sold-offers";

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<CloseSoldOffersConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        endpointConfigurator.UseTransientRetry();
        endpointConfigurator.UsePostgresOutbox(context);
    }
}
