using MassTransit;
using Microsoft.EntityFrameworkCore;
using SoukLoop.Contracts;
using SoukLoop.Persistence;
using SoukLoop.Persistence.Model;

namespace SoukLoop.Workers.Messaging;

/// <summary>
/// The recipient has read one message (the hub's <c>message:read</c>): marks it read and takes one off the reader's unread
/// count (never below 0), publishes <see cref="MessageRead"/> (the sender's read receipt) and answers with it. A message
/// already read, the reader's own message or a stranger's attempt changes nothing and publishes nothing.
/// </summary>
public class MarkMessageReadConsumer(SoukDbContext db) : IConsumer<MarkMessageRead>
{
    public async Task Consume(ConsumeContext<MarkMessageRead> context)
    {
        var command = context.Message;
        var ct = context.CancellationToken;
        var reader = command.ReaderId;

        var message = await db.Messages.AsNoTracking().SingleOrDefaultAsync(m => m.Id == command.MessageId, ct);
        // Lock the conversation before the message, in the same order as a whole-conversation read: no deadlock between them.
        var conversation = message is null
            ? null
            : await db.Conversations
                .FromSql($"SELECT * FROM conversations WHERE id = {message.ConversationId} FOR NO KEY UPDATE")
                .AsNoTracking()
                .SingleOrDefaultAsync(ct);
        if (message is null || conversation is null || !conversation.HasParticipant(reader) || message.SenderId == reader)
        {
            if (context.ResponseAddress is not null)
                await context.RespondAsync(new MessageRejected(message?.ConversationId ?? Guid.Empty, MessagingRejections.MessageNotFound.Code,
                    MessagingRejections.MessageNotFound.HttpStatus, MessagingRejections.MessageNotFound.Detail));
            return;
        }

        var now = DbClock.UtcNow();
        var marked = await db.Messages.Where(m => m.Id == message.Id && !m.IsRead)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.IsRead, true).SetProperty(m => m.ReadAt, now), ct);
        if (marked == 0)
        {
            var current = await db.Messages.AsNoTracking().Where(m => m.Id == message.Id).Select(m => m.ReadAt).SingleAsync(ct);
            if (context.ResponseAddress is not null)
                await context.RespondAsync(new MessageRead(conversation.Id, message.Id, reader, message.SenderId, current ?? now));
            return;
        }

        var isBuyer = reader == conversation.BuyerId;
        await db.Conversations.Where(c => c.Id == conversation.Id).ExecuteUpdateAsync(s =>
        {
            if (isBuyer)
                s.SetProperty(c => c.UnreadCountBuyer, c => c.UnreadCountBuyer > 0 ? c.UnreadCountBuyer - 1 : 0);
            else
                s.SetProperty(c => c.UnreadCountSeller, c => c.UnreadCountSeller > 0 ? c.UnreadCountSeller - 1 : 0);
        }, ct);

        var read = new MessageRead(conversation.Id, message.Id, reader, message.SenderId, now);
        await context.Publish(read, ct);
        if (context.ResponseAddress is not null)
            await context.RespondAsync(read);
    }
}
