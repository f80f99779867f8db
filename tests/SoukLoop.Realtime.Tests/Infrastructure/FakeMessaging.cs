using System.Reflection;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using SoukLoop.Contracts;
using SoukLoop.Persistence;
using SoukLoop.Persistence.Model;

namespace SoukLoop.Realtime.Tests.Infrastructure;

/// <summary>
/// Stands in for the messaging consumers of the Workers while they are not there yet (they are built on another
/// branch): answers <see cref="SendMessage"/> with <see cref="MessageSent"/> or <see cref="MessageRejected"/> and turns
/// <see cref="MarkConversationRead"/> / <see cref="MarkMessageRead"/> into their events, by the contracts only. Each
/// command the Workers assembly already consumes is left to the real consumer, so nothing is answered twice.
/// </summary>
public sealed class FakeMessaging
{
    public IReadOnlyList<Type> Faked { get; private init; } = [];

    public static FakeMessaging ConfigureIfMissing(IRabbitMqBusFactoryConfigurator cfg, Assembly workers, Func<SoukDbContext> db)
    {
        var consumed = ConsumedBy(workers);
        var faked = new[] { typeof(SendMessage), typeof(MarkConversationRead), typeof(MarkMessageRead) }.Where(t => !consumed.Contains(t)).ToList();
        if (faked.Count > 0)
        {
            cfg.ReceiveEndpoint("fake-messaging", e =>
            {
                if (faked.Contains(typeof(SendMessage)))
                    e.Handler<SendMessage>(ctx => Send(ctx, db));
                if (faked.Contains(typeof(MarkConversationRead)))
                    e.Handler<MarkConversationRead>(ctx => ReadConversation(ctx, db));
                if (faked.Contains(typeof(MarkMessageRead)))
                    e.Handler<MarkMessageRead>(ctx => ReadMessage(ctx, db));
            });
        }
        return new FakeMessaging { Faked = faked };
    }

    static HashSet<Type> ConsumedBy(Assembly assembly)
    {
        Type[] types;
        try { types = assembly.GetTypes(); }
        catch (ReflectionTypeLoadException ex) { types = ex.Types.Where(t => t != null).ToArray()!; }
        return types
            .SelectMany(t => t.GetInterfaces())
            .Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IConsumer<>))
            .Select(i => i.GetGenericArguments()[0])
            .ToHashSet();
    }

    static async Task Send(ConsumeContext<SendMessage> ctx, Func<SoukDbContext> factory)
    {
        var m = ctx.Message;
        await using var db = factory();
        var conversation = await db.Conversations.SingleOrDefaultAsync(c => c.Id == m.ConversationId);
        if (conversation == null || (conversation.BuyerId != m.SenderId && conversation.SellerId != m.SenderId))
        {
            await ctx.RespondAsync(new MessageRejected(m.ConversationId, "conversation_not_found", 404, "The conversation does not exist."));
            return;
        }

        var recipient = conversation.BuyerId == m.SenderId ? conversation.SellerId : conversation.BuyerId;
        var message = new Message
        {
            Id = m.MessageId,
            ConversationId = m.ConversationId,
            SenderId = m.SenderId,
            MessageType = m.MessageType,
            Content = m.Content,
            ImageUrls = [.. m.ImageUrls],
            ClientMessageId = m.ClientMessageId,
            CreatedAt = DateTime.UtcNow
        };
        db.Messages.Add(message);
        if (recipient == conversation.BuyerId)
            conversation.UnreadCountBuyer++;
        else
            conversation.UnreadCountSeller++;
        conversation.LastMessageAt = message.CreatedAt;
        await db.SaveChangesAsync();

        var sent = new MessageSent(m.ConversationId, m.MessageId, m.SenderId, recipient, m.MessageType, m.Content, m.ImageUrls, null,
            m.ClientMessageId, false, message.CreatedAt, recipient == conversation.BuyerId ? conversation.UnreadCountBuyer : conversation.UnreadCountSeller,
            conversation.ProductId);
        await ctx.RespondAsync(sent);
        await ctx.Publish(sent);
    }

    static async Task ReadConversation(ConsumeContext<MarkConversationRead> ctx, Func<SoukDbContext> factory)
    {
        var m = ctx.Message;
        await using var db = factory();
        var conversation = await db.Conversations.SingleOrDefaultAsync(c => c.Id == m.ConversationId);
        if (conversation == null || (conversation.BuyerId != m.ReaderId && conversation.SellerId != m.ReaderId))
            return;
        var other = conversation.BuyerId == m.ReaderId ? conversation.SellerId : conversation.BuyerId;
        var now = DateTime.UtcNow;
        await db.Messages.Where(x => x.ConversationId == m.ConversationId && x.SenderId != m.ReaderId && !x.IsRead)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.IsRead, true).SetProperty(x => x.ReadAt, now));
        await ctx.Publish(new ConversationRead(m.ConversationId, m.ReaderId, other, now));
    }

    static async Task ReadMessage(ConsumeContext<MarkMessageRead> ctx, Func<SoukDbContext> factory)
    {
        var m = ctx.Message;
        await using var db = factory();
        var message = await db.Messages.SingleOrDefaultAsync(x => x.Id == m.MessageId);
        if (message == null || message.SenderId == m.ReaderId)
            return;
        var conversation = await db.Conversations.SingleAsync(c => c.Id == message.ConversationId);
        if (conversation.BuyerId != m.ReaderId && conversation.SellerId != m.ReaderId)
            return;
        message.IsRead = true;
        message.ReadAt = DateTime.UtcNow;
        await db.SaveChangesAsync();
        await ctx.Publish(new MessageRead(message.ConversationId, message.Id, m.ReaderId, message.SenderId, message.ReadAt.Value));
    }
}
