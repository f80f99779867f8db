using MassTransit;
using Microsoft.EntityFrameworkCore;
using SoukLoop.Contracts;
using SoukLoop.Persistence;
using SoukLoop.Persistence.Model;

namespace SoukLoop.Workers.Messaging;

/// <summary>
/// The reader has read everything the other side sent: in one transaction the reader's unread count becomes 0 and their
/// received messages are marked read; publishes <see cref="ConversationRead"/> (the other user's <c>messages:read</c>)
/// and answers with it. The conversation row is locked first, so a message stored concurrently is either counted and
/// marked read, or stays unread and counted: the count never drifts from the unread messages.
/// </summary>
public class MarkConversationReadConsumer(SoukDbContext db) : IConsumer<MarkConversationRead>
{
    public async Task Consume(ConsumeContext<MarkConversationRead> context)
    {
        var command = context.Message;
        var ct = context.CancellationToken;

        var conversation = await db.Conversations
            .FromSql($"SELECT * FROM conversations WHERE id = {command.ConversationId} FOR NO KEY UPDATE")
            .AsNoTracking()
            .SingleOrDefaultAsync(ct);
        if (conversation is null || !conversation.HasParticipant(command.ReaderId))
        {
            if (context.ResponseAddress is not null)
                await context.RespondAsync(new MessageRejected(command.ConversationId, MessagingRejections.ConversationNotFound.Code,
                    MessagingRejections.ConversationNotFound.HttpStatus, MessagingRejections.ConversationNotFound.Detail));
            return;
        }

        var now = DbClock.UtcNow();
        var reader = command.ReaderId;
        var isBuyer = reader == conversation.BuyerId;
        await db.Conversations.Where(c => c.Id == conversation.Id).ExecuteUpdateAsync(s =>
        {
            if (isBuyer)
                s.SetProperty(c => c.UnreadCountBuyer, 0);
            else
                s.SetProperty(c => c.UnreadCountSeller, 0);
        }, ct);
        await db.Messages
            .Where(m => m.ConversationId == conversation.Id && m.SenderId != reader && !m.IsRead)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.IsRead, true).SetProperty(m => m.ReadAt, now), ct);

        var read = new ConversationRead(conversation.Id, reader, conversation.OtherThan(reader), now);
        await context.Publish(read, ct);
        if (context.ResponseAddress is not null)
            await context.RespondAsync(read);
    }
}
