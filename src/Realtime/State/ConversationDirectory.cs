using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using SoukLoop.Persistence;

namespace SoukLoop.Realtime.State;

/// <summary>
/// Who belongs to a conversation, and whom a user talks to, read from Postgres. The two participants of a conversation
/// never change, so they are cached; partner lists are read fresh (only on presence changes).
/// </summary>
public sealed class ConversationDirectory(SoukDbContext db, IMemoryCache cache)
{
    static readonly TimeSpan CacheFor = TimeSpan.FromMinutes(10);

    public record Participants(Guid BuyerId, Guid SellerId)
    {
        public bool Includes(Guid userId) => userId == BuyerId || userId == SellerId;
        public Guid Other(Guid userId) => userId == BuyerId ? SellerId : BuyerId;
    }

    /// <summary>The conversation's participants, or null when it does not exist.</summary>
    public async Task<Participants?> FindAsync(Guid conversationId, CancellationToken cancellationToken = default)
    {
        if (cache.TryGetValue(Key(conversationId), out Participants? cached))
            return cached;

        var participants = await db.Conversations.AsNoTracking()
            .Where(c => c.Id == conversationId)
            .Select(c => new Participants(c.BuyerId, c.SellerId))
            .SingleOrDefaultAsync(cancellationToken);
        if (participants != null)
            cache.Set(Key(conversationId), participants, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = CacheFor, Size = 1 });
        return participants;
    }

    /// <summary>The conversation's participants when <paramref name="userId"/> is one of them; otherwise null (never leak existence).</summary>
    public async Task<Participants?> FindForMemberAsync(Guid conversationId, Guid userId, CancellationToken cancellationToken = default) =>
        await FindAsync(conversationId, cancellationToken) is { } p && p.Includes(userId) ? p : null;

    /// <summary>Everyone the user has a conversation with (their presence audience).</summary>
    public async Task<IReadOnlyList<Guid>> PartnersAsync(Guid userId, CancellationToken cancellationToken = default) =>
        await db.Conversations.AsNoTracking()
            .Where(c => c.BuyerId == userId || c.SellerId == userId)
            .Select(c => c.BuyerId == userId ? c.SellerId : c.BuyerId)
            .Where(other => other != userId && other != Guid.Empty)
            .Distinct()
            .ToListAsync(cancellationToken);

    public async Task<bool> ProductExistsAsync(Guid productId, CancellationToken cancellationToken = default) =>
        await db.Products.AsNoTracking().AnyAsync(p => p.Id == productId, cancellationToken);

    static string Key(Guid conversationId) => $"conversation-participants:{conversationId}";
}
