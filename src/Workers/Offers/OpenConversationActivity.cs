using MassTransit;
using Microsoft.EntityFrameworkCore;
using SoukLoop.Contracts;
using SoukLoop.Persistence;
using SoukLoop.Persistence.Model;

namespace SoukLoop.Workers.Offers;

/// <summary>Finds the buyer–seller–product conversation, creating it when it does not exist yet (race-safe).</summary>
public class OpenConversationActivity(SoukDbContext db) : IStateMachineActivity<OfferState, MakeOffer>
{
    public async Task Execute(BehaviorContext<OfferState, MakeOffer> context, IBehavior<OfferState, MakeOffer> next)
    {
        var o = context.Saga;
        var now = DateTime.UtcNow;
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO conversations (id, buyer_id, seller_id, product_id, unread_count_buyer, unread_count_seller,
                                       is_archived_buyer, is_archived_seller, created_at, last_message_at)
            VALUES ({NewId.NextGuid()}, {o.BuyerId}, {o.SellerId}, {o.ProductId}, 0, 0, false, false, {now}, {now})
            ON CONFLICT (buyer_id, seller_id, product_id) DO NOTHING
            """, context.CancellationToken);

        o.ConversationId = await db.Conversations
            .Where(c => c.BuyerId == o.BuyerId && c.SellerId == o.SellerId && c.ProductId == o.ProductId)
            .Select(c => c.Id)
            .SingleAsync(context.CancellationToken);

        await next.Execute(context);
    }

    public Task Faulted<TException>(BehaviorExceptionContext<OfferState, MakeOffer, TException> context, IBehavior<OfferState, MakeOffer> next)
        where TException : Exception => next.Faulted(context);

    public void Probe(ProbeContext context) => context.CreateScope("open-conversation");

    public void Accept(StateMachineVisitor visitor) => visitor.Visit(this);
}
