using Microsoft.EntityFrameworkCore;
using SoukLoop.Persistence;
using SoukLoop.Persistence.Model;
using SoukLoop.Api.Features.Users;

namespace SoukLoop.Api.Features.Conversations;

public enum ConversationFilter
{
    /// <summary>Not archived by the viewer.</summary>
    All,
    /// <summary>Not archived by the viewer, with messages the viewer has not read.</summary>
    Unread,
    /// <summary>Archived by the viewer.</summary>
    Archived
}

/// <summary>The reads behind the conversation routes, each one statement on the seed's indexes.</summary>
public static class ConversationQueries
{
    public const int DetailMessages = 50;

    /// <summary>The conversation if <paramref name="viewer"/> takes part in it; null for an unknown id and for strangers alike.</summary>
    public static Task<Conversation?> FindForParticipant(this SoukDbContext db, Guid id, Guid viewer, CancellationToken ct) =>
        db.Conversations.AsNoTracking().SingleOrDefaultAsync(c => c.Id == id && (c.BuyerId == viewer || c.SellerId == viewer), ct);

    /// <summary>
    /// The viewer's conversations of one filter: the buyer side and the seller side are each an index range of
    /// ix_conversations_{buyer,seller}_last_message, merged by last_message_at desc (UNION ALL keeps each side an ordered
    /// index scan; the two never overlap since nobody talks to themselves).
    /// </summary>
    public static IQueryable<Conversation> OfViewer(this SoukDbContext db, Guid viewer, ConversationFilter filter)
    {
        var conversations = db.Conversations.AsNoTracking();
        var asBuyer = conversations.Where(c => c.BuyerId == viewer);
        var asSeller = conversations.Where(c => c.SellerId == viewer);
        (asBuyer, asSeller) = filter switch
        {
            ConversationFilter.Archived => (asBuyer.Where(c => c.IsArchivedBuyer), asSeller.Where(c => c.IsArchivedSeller)),
            ConversationFilter.Unread => (asBuyer.Where(c => !c.IsArchivedBuyer && c.UnreadCountBuyer > 0),
                asSeller.Where(c => !c.IsArchivedSeller && c.UnreadCountSeller > 0)),
            _ => (asBuyer.Where(c => !c.IsArchivedBuyer), asSeller.Where(c => !c.IsArchivedSeller))
        };
        return asBuyer.Concat(asSeller);
    }

    /// <summary>Newest activity first; the id breaks ties so pages never repeat or skip a row.</summary>
    public static IOrderedQueryable<Conversation> Newest(this IQueryable<Conversation> query) =>
        query.OrderByDescending(c => c.LastMessageAt).ThenByDescending(c => c.Id);

    /// <summary>A conversation with the parts a list row shows.</summary>
    public sealed record Row(
        Conversation Conversation, PublicUser? Other, ConversationProduct? Product, LastMessageResponse? LastMessage);

    public static async Task<PagedConversations> List(SoukDbContext db, Guid viewer, ConversationFilter filter, int page, int perPage,
        CancellationToken ct)
    {
        var total = await db.OfViewer(viewer, filter).CountAsync(ct);
        var conversations = total <= (page - 1) * perPage ? [] : await PageQuery(db, viewer, filter, page, perPage).ToListAsync(ct);
        var rows = await WithParts(db, conversations, viewer, ct);
        return new PagedConversations(rows.Select(r => Item(r, viewer)).ToList(), page, perPage, total);
    }

    /// <summary>One page of the viewer's conversations (public so a test can EXPLAIN exactly this statement).</summary>
    public static IQueryable<Conversation> PageQuery(SoukDbContext db, Guid viewer, ConversationFilter filter, int page, int perPage) =>
        db.OfViewer(viewer, filter).Newest().Skip((page - 1) * perPage).Take(perPage);

    /// <summary>
    /// The other users, products and last messages of a page, each by primary key or one index probe per conversation.
    /// (Projected as correlated subqueries, EF Core turns these into ROW_NUMBER joins over whole tables: not here.)
    /// </summary>
    static async Task<List<Row>> WithParts(SoukDbContext db, List<Conversation> conversations, Guid viewer, CancellationToken ct)
    {
        if (conversations.Count == 0)
            return [];
        var users = await PublicUser.Query(db, conversations.Select(c => c.OtherThan(viewer)).Distinct().ToArray()).ToDictionaryAsync(u => u.Id, ct);
        var productIds = conversations.Where(c => c.ProductId.HasValue).Select(c => c.ProductId!.Value).Distinct().ToArray();
        var products = productIds.Length == 0 ? [] : await ProductsQuery(db, productIds).ToDictionaryAsync(p => p.Id, ct);
        var last = await LastMessagesQuery(db, conversations.Select(c => c.Id).ToArray()).ToDictionaryAsync(m => m.ConversationId, ct);
        return conversations.Select(c => new Row(c,
            users.GetValueOrDefault(c.OtherThan(viewer)),
            c.ProductId is { } productId ? products.GetValueOrDefault(productId) : null,
            last.TryGetValue(c.Id, out var m) ? new LastMessageResponse(m.Id, m.MessageType, m.Content, m.SenderId, m.CreatedAt) : null)).ToList();
    }

    public static IQueryable<ConversationProduct> ProductsQuery(SoukDbContext db, Guid[] ids) =>
        db.Products.AsNoTracking().Where(p => ids.Contains(p.Id))
            .Select(p => new ConversationProduct(p.Id, p.Title, p.Price, p.ImageUrls.FirstOrDefault()));

    /// <summary>The newest message of each conversation: one backward probe of ix_messages_conversation_created per id.</summary>
    public static IQueryable<Message> LastMessagesQuery(SoukDbContext db, Guid[] conversationIds) =>
        db.Messages.FromSql($"""
            SELECT l.*
            FROM unnest({conversationIds}) AS c(id)
            CROSS JOIN LATERAL (
                SELECT * FROM messages m WHERE m.conversation_id = c.id ORDER BY m.created_at DESC, m.id DESC LIMIT 1) AS l
            """).AsNoTracking();

    static ConversationItem Item(Row row, Guid viewer) => new(
        row.Conversation.Id, Other(row, viewer), row.Product, row.LastMessage, row.Conversation.LastMessageAt,
        row.Conversation.UnreadCountOf(viewer), row.Conversation.IsArchivedFor(viewer));

    static PublicUser Other(Row row, Guid viewer) =>
        row.Other ?? new PublicUser(row.Conversation.OtherThan(viewer), "", null);

    /// <summary>
    /// One conversation and its latest messages. <paramref name="readByViewer"/> shows it as read by the viewer (their
    /// count 0, what they received read): used when the read command is queued but the worker has not confirmed it yet.
    /// </summary>
    public static async Task<ConversationDetail?> Detail(SoukDbContext db, Guid id, Guid viewer, bool readByViewer, CancellationToken ct)
    {
        var conversation = await db.FindForParticipant(id, viewer, ct);
        if (conversation is null)
            return null;
        var row = (await WithParts(db, [conversation], viewer, ct))[0];
        var page = await Messages(db, id, null, DetailMessages, ct);
        var c = row.Conversation;
        var messages = readByViewer
            ? page.Items.Select(m => m.SenderId != viewer && !m.IsRead ? m with { IsRead = true } : m).ToList()
            : page.Items;
        return new ConversationDetail(c.Id, c.BuyerId, c.SellerId, c.ProductId, Other(row, viewer), row.Product, row.LastMessage, c.LastMessageAt,
            readByViewer ? 0 : c.UnreadCountOf(viewer), c.IsArchivedFor(viewer), c.CreatedAt, messages, page.NextCursor);
    }

    /// <summary>
    /// Newest first, keyset on (created_at, id) strictly before <paramref name="before"/>: an index range scan of
    /// ix_messages_conversation_created whatever the depth, and a page boundary never repeats or skips a message.
    /// </summary>
    public static async Task<MessagePage> Messages(SoukDbContext db, Guid conversationId, (DateTime CreatedAt, Guid Id)? before, int limit,
        CancellationToken ct)
    {
        var rows = await MessagesQuery(db, conversationId, before, limit + 1).ToListAsync(ct);
        var items = rows.Take(limit).Select(MessageResponse.From).ToList();
        return new MessagePage(items, rows.Count > limit ? items[^1].Id : null);
    }

    /// <summary>The statement behind <see cref="Messages"/> (public so a test can EXPLAIN it).</summary>
    public static IQueryable<Message> MessagesQuery(SoukDbContext db, Guid conversationId, (DateTime CreatedAt, Guid Id)? before, int take)
    {
        var query = db.Messages.AsNoTracking().Where(m => m.ConversationId == conversationId);
        if (before is { } cursor)
            query = query.Where(m => EF.Functions.LessThan(ValueTuple.Create(m.CreatedAt, m.Id), ValueTuple.Create(cursor.CreatedAt, cursor.Id)));
        return query.OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id).Take(take);
    }
}
