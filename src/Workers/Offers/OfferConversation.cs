using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using SoukLoop.Contracts;
using SoukLoop.Persistence;
using SoukLoop.Persistence.Model;

namespace SoukLoop.Workers.Offers;

/// <summary>
/// Writes the offer flow's own messages (types <c>offer</c> and <c>system</c>) into the offer's conversation, bumps
/// the unread count of everyone but the actor and brings the conversation back to an archived inbox. Each message is
/// published as <see cref="MessageSent"/> through the saga's outbox (it commits with the move): one per recipient, so a
/// move by nobody (expiry, the product sold to someone else) publishes the same message twice, once to each party.
/// </summary>
public class OfferConversation(SoukDbContext db)
{
    public static readonly Guid SystemSender = Guid.Empty;

    public async Task Post(ConsumeContext context, OfferState offer, Guid? actorId, string messageType, string content, string action, decimal? price,
        CancellationToken cancellationToken)
    {
        var now = DbClock.UtcNow();
        var offerData = JsonSerializer.Serialize(new
        {
            offer_id = offer.CorrelationId,
            action,
            price,
            status = offer.Status(),
            awaiting = offer.Awaiting(),
            currency = offer.Currency,
            expires_at = offer.ExpiresAt
        });

        var message = new Message
        {
            Id = NewId.NextGuid(),
            ConversationId = offer.ConversationId,
            SenderId = actorId ?? SystemSender,
            MessageType = messageType,
            Content = content,
            OfferData = offerData,
            CreatedAt = now
        };
        db.Messages.Add(message);
        await db.SaveChangesAsync(cancellationToken);

        var toBuyer = actorId != offer.BuyerId ? 1 : 0;
        var toSeller = actorId != offer.SellerId ? 1 : 0;
        await db.Database.ExecuteSqlAsync($"""
            UPDATE conversations
            SET unread_count_buyer = unread_count_buyer + {toBuyer},
                unread_count_seller = unread_count_seller + {toSeller},
                is_archived_buyer = is_archived_buyer AND {toBuyer} = 0,
                is_archived_seller = is_archived_seller AND {toSeller} = 0,
                last_message_at = {now}
            WHERE id = {offer.ConversationId}
            """, cancellationToken);

        // The UPDATE holds the row lock until commit: these are the counts this message produced.
        var unread = await db.Conversations.AsNoTracking().Where(c => c.Id == offer.ConversationId)
            .Select(c => new { c.UnreadCountBuyer, c.UnreadCountSeller }).SingleAsync(cancellationToken);
        if (toBuyer == 1)
            await context.Publish(Sent(message, offer, offer.BuyerId, unread.UnreadCountBuyer), cancellationToken);
        if (toSeller == 1)
            await context.Publish(Sent(message, offer, offer.SellerId, unread.UnreadCountSeller), cancellationToken);
    }

    static MessageSent Sent(Message message, OfferState offer, Guid recipientId, int recipientUnreadCount) => new(
        message.ConversationId, message.Id, message.SenderId, recipientId, message.MessageType, message.Content, [], message.OfferData,
        null, false, message.CreatedAt, recipientUnreadCount, offer.ProductId);
}
