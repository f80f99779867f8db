using MassTransit;
using Microsoft.EntityFrameworkCore;
using SoukLoop.Contracts;
using SoukLoop.Persistence;
using SoukLoop.Persistence.Model;

namespace SoukLoop.Workers.Messaging;

/// <summary>
/// Stores a participant's text or image message, once: the same (sender, client_message_id) or the same message id never
/// stores a second row (the insert is <c>ON CONFLICT DO NOTHING</c> on the primary key and ix_messages_sender_client_message,
/// so even concurrent resends store one). A new message bumps the recipient's unread count with one SQL UPDATE, brings
/// the conversation back to both inboxes, publishes <see cref="MessageSent"/> and answers with it; a resend answers with
/// the first stored message and publishes nothing. Everything commits together through the endpoint's outbox.
/// </summary>
public class SendMessageConsumer(SoukDbContext db) : IConsumer<SendMessage>
{
    public async Task Consume(ConsumeContext<SendMessage> context)
    {
        var command = context.Message;
        var ct = context.CancellationToken;

        var conversation = await db.Conversations.AsNoTracking().SingleOrDefaultAsync(c => c.Id == command.ConversationId, ct);
        if (conversation is null || !conversation.HasParticipant(command.SenderId))
        {
            await Reject(context, MessagingRejections.ConversationNotFound);
            return;
        }

        var violation = MessageRules.Check(command.MessageType, command.Content, command.ImageUrls, command.ClientMessageId, out var message);
        if (violation is not null)
        {
            await Reject(context, new(violation.Code, 400, violation.Detail + " " + string.Join(" ", violation.Errors.SelectMany(e => e.Value))));
            return;
        }

        var now = DbClock.UtcNow();
        var inserted = await db.Database.ExecuteSqlAsync($"""
            INSERT INTO messages (id, conversation_id, sender_id, message_type, content, image_urls, offer_data, is_read, read_at,
                                  client_message_id, created_at)
            VALUES ({command.MessageId}, {command.ConversationId}, {command.SenderId}, {message.MessageType}, {message.Content},
                    {message.ImageUrls}, NULL, false, NULL, {message.ClientMessageId}, {now})
            ON CONFLICT DO NOTHING
            """, ct);

        var recipient = conversation.OtherThan(command.SenderId);
        if (inserted == 0)
        {
            await AnswerResend(context, conversation, recipient);
            return;
        }

        var toSeller = recipient == conversation.SellerId;
        // One statement: the increment is exact under any concurrency, and the row lock it takes orders it against a read.
        await db.Conversations.Where(c => c.Id == conversation.Id).ExecuteUpdateAsync(s =>
        {
            if (toSeller)
                s.SetProperty(c => c.UnreadCountSeller, c => c.UnreadCountSeller + 1);
            else
                s.SetProperty(c => c.UnreadCountBuyer, c => c.UnreadCountBuyer + 1);
            s.SetProperty(c => c.IsArchivedBuyer, false);
            s.SetProperty(c => c.IsArchivedSeller, false);
            s.SetProperty(c => c.LastMessageAt, c => c.LastMessageAt == null || c.LastMessageAt < now ? now : c.LastMessageAt);
        }, ct);
        var unread = await UnreadCount(conversation.Id, toSeller, ct);

        var sent = new MessageSent(conversation.Id, command.MessageId, command.SenderId, recipient, message.MessageType, message.Content,
            message.ImageUrls, null, message.ClientMessageId, false, now, unread, conversation.ProductId);
        await context.Publish(sent, ct);
        if (context.ResponseAddress is not null)
            await context.RespondAsync(sent);
    }

    /// <summary>The message is already stored (a resend): answer with the first one; publish nothing new.</summary>
    async Task AnswerResend(ConsumeContext<SendMessage> context, Conversation conversation, Guid recipient)
    {
        var command = context.Message;
        var ct = context.CancellationToken;
        var existing = await db.Messages.AsNoTracking().SingleOrDefaultAsync(m => m.Id == command.MessageId, ct)
            ?? (command.ClientMessageId is { } clientId
                ? await db.Messages.AsNoTracking().SingleOrDefaultAsync(m => m.SenderId == command.SenderId && m.ClientMessageId == clientId, ct)
                : null)
            ?? throw new InvalidOperationException($"Message {command.MessageId} conflicted on insert but cannot be found.");

        if (existing.ConversationId != conversation.Id || existing.SenderId != command.SenderId)
        {
            await Reject(context, MessagingRejections.ClientMessageIdConflict);
            return;
        }

        var unread = await UnreadCount(conversation.Id, recipient == conversation.SellerId, ct);
        if (context.ResponseAddress is not null)
            await context.RespondAsync(new MessageSent(existing.ConversationId, existing.Id, existing.SenderId, recipient, existing.MessageType,
                existing.Content, existing.ImageUrls.ToArray(), existing.OfferData, existing.ClientMessageId, existing.IsRead, existing.CreatedAt,
                unread, conversation.ProductId));
    }

    Task<int> UnreadCount(Guid conversationId, bool seller, CancellationToken ct) =>
        db.Conversations.AsNoTracking().Where(c => c.Id == conversationId)
            .Select(c => seller ? c.UnreadCountSeller : c.UnreadCountBuyer).SingleAsync(ct);

    static async Task Reject(ConsumeContext<SendMessage> context, MessagingRejection rejection)
    {
        if (context.ResponseAddress is not null)
            await context.RespondAsync(new MessageRejected(context.Message.ConversationId, rejection.Code, rejection.HttpStatus, rejection.Detail));
    }
}
