using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using SoukLoop.Persistence;
using SoukLoop.Persistence.Model;

namespace SoukLoop.Workers.Offers;

/// <summary>
/// Writes the offer flow's own messages (types <c>offer</c> and <c>system</c>) into the offer's conversation, bumps
/// the unread count of everyone but the actor and brings the conversation back to an archived inbox.
/// </summary>
public class OfferConversation(SoukDbContext db)
{
    public static readonly Guid SystemSender = Guid.Empty;

    public async Task Post(OfferState offer, Guid? actorId, string messageType, string content, string action, decimal? price,
        CancellationToken cancellationToken)
    {
        var now = DateTime.UtcNow;
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

        db.Messages.Add(new Message
        {
            Id = NewId.NextGuid(),
            ConversationId = offer.ConversationId,
            SenderId = actorId ?? SystemSender,
            MessageType = messageType,
            Content = content,
            OfferData = offerData,
            CreatedAt = now
        });
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
    }
}
