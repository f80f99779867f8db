using Microsoft.EntityFrameworkCore;
using SoukLoop.Persistence;
using SoukLoop.Persistence.Messaging;
using SoukLoop.Persistence.Model;
using SoukLoop.Persistence.Scheduling;

namespace SoukLoop.Api.Features.Support;

/// <summary>
/// What support reads about offers, straight from the tables the saga and the messaging write (read-only).
/// An offer's outbox messages are the undelivered <c>outbox_messages</c> produced while consuming one of its messages
/// (their <c>inbox_message_id</c> is a message id in its timeline, written in the same transaction) or carrying its id
/// as correlation id.
/// </summary>
public static class SupportQueries
{
    public const string Pending = "Pending";
    public const string Countered = "Countered";

    public static readonly string[] States = ["Initial", Pending, Countered, "Accepted", "Declined", "Withdrawn", "Expired", "Final"];

    public static async Task<SupportOfferDetail?> DetailAsync(SoukDbContext db, Guid id, SupportOptions options, DateTime now,
        CancellationToken cancellationToken)
    {
        var offer = await db.Offers.AsNoTracking().SingleOrDefaultAsync(o => o.CorrelationId == id, cancellationToken);
        if (offer == null)
            return null;

        var token = offer.ExpirationTokenId;
        var timeouts = await db.ScheduledMessages.AsNoTracking()
            .Where(s => s.CorrelationId == id || s.TokenId == token)
            .OrderBy(s => s.CreatedAt)
            .ToListAsync(cancellationToken);
        var timeline = await db.OfferTimeline.AsNoTracking().Where(e => e.OfferId == id).OrderBy(e => e.Id).ToListAsync(cancellationToken);
        var outbox = await OutboxOf(db, id).OrderBy(m => m.SequenceNumber).ToListAsync(cancellationToken);
        var faults = await db.MessageFaults.AsNoTracking().Where(f => f.CorrelationId == id).OrderBy(f => f.At).ToListAsync(cancellationToken);

        var current = timeouts.FirstOrDefault(s => s.TokenId == token);
        return new SupportOfferDetail(
            SupportSaga.From(offer),
            current == null ? null : SupportTimeout.From(current, token, now, options.StuckGrace),
            timeouts.Select(s => SupportTimeout.From(s, token, now, options.StuckGrace)).ToList(),
            outbox.Select(m => SupportOutboxMessage.From(m, now)).ToList(),
            faults.Select(SupportFault.From).ToList(),
            timeline.Select(SupportTimelineEntry.From).ToList(),
            Reasons(offer, current, outbox, faults, options, now),
            $"/api/v1/support/offers/state-machine.svg?highlight={offer.CurrentState}");
    }

    public record Filter(string? State, bool Stuck, Guid? BuyerId, Guid? SellerId, Guid? UserId, Guid? ProductId, DateTime? From, DateTime? To);

    public static async Task<SupportOfferPage> ListAsync(SoukDbContext db, Filter filter, int page, int perPage, SupportOptions options,
        DateTime now, CancellationToken cancellationToken)
    {
        var query = db.Offers.AsNoTracking();
        if (filter.State is { } state)
            query = state == "open"
                ? query.Where(o => o.CurrentState == Pending || o.CurrentState == Countered)
                : query.Where(o => o.CurrentState == state);
        if (filter.BuyerId is { } buyer)
            query = query.Where(o => o.BuyerId == buyer);
        if (filter.SellerId is { } seller)
            query = query.Where(o => o.SellerId == seller);
        if (filter.UserId is { } user)
            query = query.Where(o => o.BuyerId == user || o.SellerId == user);
        if (filter.ProductId is { } product)
            query = query.Where(o => o.ProductId == product);
        if (filter.From is { } from)
            query = query.Where(o => o.CreatedAt >= from);
        if (filter.To is { } to)
            query = query.Where(o => o.CreatedAt < to);
        if (filter.Stuck)
            query = WhereStuck(db, query, options, now);

        var total = await query.CountAsync(cancellationToken);
        var offers = await query.OrderByDescending(o => o.CreatedAt).ThenBy(o => o.CorrelationId)
            .Skip((page - 1) * perPage).Take(perPage).ToListAsync(cancellationToken);

        var reasons = await ReasonsOf(db, offers, options, now, cancellationToken);
        var items = offers.Select(o => new SupportOfferItem(o.CorrelationId, o.CurrentState, o.Version, o.ProductId, o.ProductTitle, o.BuyerId,
            o.SellerId, o.OfferedPrice, o.CounterPrice, o.Currency, o.Round, o.ExpiresAt, o.CreatedAt, o.UpdatedAt,
            reasons.GetValueOrDefault(o.CorrelationId, []))).ToList();
        return new SupportOfferPage(items, page, perPage, total);
    }

    /// <summary>The SQL form of <see cref="Reasons"/>: an offer matching any rule is stuck.</summary>
    static IQueryable<OfferState> WhereStuck(SoukDbContext db, IQueryable<OfferState> query, SupportOptions options, DateTime now)
    {
        var cutoff = now - options.StuckGrace;
        var outboxCutoff = now - options.OutboxThreshold;
        return query.Where(o =>
            ((o.CurrentState == Pending || o.CurrentState == Countered)
             && (o.ExpiresAt < cutoff
                 || db.ScheduledMessages.Any(s => s.TokenId == o.ExpirationTokenId && s.CancelledAt == null && s.FiredAt == null && s.DueAt < cutoff)
                 || (o.UpdatedAt < cutoff && !db.ScheduledMessages.Any(s =>
                     s.TokenId == o.ExpirationTokenId && s.CancelledAt == null && (s.FiredAt == null || s.FiredAt > cutoff)))))
            || db.MessageFaults.Any(f => f.CorrelationId == o.CorrelationId && f.RedrivenAt == null)
            || db.OutboxMessages.Any(m => m.SentTime < outboxCutoff
                && !db.InboxStates.Any(i => i.MessageId == m.InboxMessageId && i.ConsumerId == m.InboxConsumerId
                    && (i.Delivered != null || i.LastSequenceNumber >= m.SequenceNumber))
                && (m.CorrelationId == o.CorrelationId || db.OfferTimeline.Any(t => t.OfferId == o.CorrelationId && t.MessageId == m.InboxMessageId))));
    }

    static async Task<Dictionary<Guid, List<StuckReason>>> ReasonsOf(SoukDbContext db, List<OfferState> offers, SupportOptions options,
        DateTime now, CancellationToken cancellationToken)
    {
        if (offers.Count == 0)
            return [];
        var ids = offers.Select(o => o.CorrelationId).ToList();
        var tokens = offers.Where(o => o.ExpirationTokenId.HasValue).Select(o => o.ExpirationTokenId!.Value).ToList();
        var timeouts = await db.ScheduledMessages.AsNoTracking().Where(s => tokens.Contains(s.TokenId)).ToDictionaryAsync(s => s.TokenId, cancellationToken);
        var faults = await db.MessageFaults.AsNoTracking().Where(f => f.CorrelationId != null && ids.Contains(f.CorrelationId.Value))
            .ToListAsync(cancellationToken);
        var produced = await db.OfferTimeline.AsNoTracking().Where(t => ids.Contains(t.OfferId) && t.MessageId != null)
            .Select(t => new { t.OfferId, MessageId = t.MessageId!.Value }).Distinct().ToListAsync(cancellationToken);
        var inboxIds = produced.Select(p => p.MessageId).Distinct().ToList();
        var offerOfInbox = produced.GroupBy(p => p.MessageId).ToDictionary(g => g.Key, g => g.First().OfferId);
        var outboxRows = await Undelivered(db, db.OutboxMessages.AsNoTracking()
            .Where(m => (m.CorrelationId != null && ids.Contains(m.CorrelationId.Value)) || inboxIds.Contains(m.InboxMessageId)))
            .ToListAsync(cancellationToken);
        var outbox = outboxRows.Select(m => new
        {
            Message = m,
            OfferId = m.CorrelationId is { } c && ids.Contains(c) ? c : offerOfInbox.GetValueOrDefault(m.InboxMessageId)
        }).ToList();

        return offers.ToDictionary(o => o.CorrelationId, o => Reasons(o,
            o.ExpirationTokenId is { } token ? timeouts.GetValueOrDefault(token) : null,
            outbox.Where(x => x.OfferId == o.CorrelationId).Select(x => x.Message).ToList(),
            faults.Where(f => f.CorrelationId == o.CorrelationId).ToList(),
            options, now));
    }

    /// <summary>Why an offer is stuck, if it is (the rules of docs/support.md "Stuck offers").</summary>
    public static List<StuckReason> Reasons(OfferState offer, ScheduledMessage? timeout, IReadOnlyList<OutboxMessage> outbox,
        IReadOnlyList<MessageFault> faults, SupportOptions options, DateTime now)
    {
        var reasons = new List<StuckReason>();
        var cutoff = now - options.StuckGrace;
        var open = offer.CurrentState is Pending or Countered;
        if (open && offer.ExpiresAt < cutoff)
            reasons.Add(new("expiry_overdue",
                $"Open, and its expiry passed at {offer.ExpiresAt:O} ({Ago(now - offer.ExpiresAt!.Value)} ago), but it has not expired."));
        if (open && timeout is { CancelledAt: null, FiredAt: null } && timeout.DueAt < cutoff)
            reasons.Add(new("timeout_overdue", timeout.FailedAt != null
                ? $"Its timeout {timeout.TokenId} was due at {timeout.DueAt:O} and failed after {timeout.Attempts} send attempts ({timeout.LastError}): re-arm it."
                : $"Its timeout {timeout.TokenId} was due at {timeout.DueAt:O} and has not fired: is a Workers scheduler running?"));
        var live = timeout is { CancelledAt: null } && (timeout.FiredAt == null || timeout.FiredAt > cutoff);
        if (open && offer.UpdatedAt < cutoff && !live)
            reasons.Add(new("timeout_missing", timeout == null
                ? $"Open without a scheduled timeout (token {offer.ExpirationTokenId?.ToString() ?? "none"}): it will never expire on its own. Re-arm it."
                : $"Its timeout {timeout.TokenId} was {(timeout.CancelledAt != null ? "cancelled" : "fired")} but the offer is still open. Re-arm it."));
        var waiting = outbox.Where(m => m.SentTime < now - options.OutboxThreshold).ToList();
        if (waiting.Count > 0)
            reasons.Add(new("outbox_undelivered",
                $"{waiting.Count} outbox message(s) undelivered since {waiting.Min(m => m.SentTime):O}: is the broker reachable from the Workers?"));
        var unresolved = faults.Where(f => f.RedrivenAt == null).OrderBy(f => f.At).ToList();
        if (unresolved.Count > 0)
            reasons.Add(new("unresolved_fault",
                $"{unresolved.Count} faulted message(s) not re-driven; latest {ShortType(unresolved[^1].MessageType)}: {unresolved[^1].ExceptionMessage}"));
        return reasons;
    }

    static IQueryable<OutboxMessage> OutboxOf(SoukDbContext db, Guid id) =>
        Undelivered(db, db.OutboxMessages.AsNoTracking().Where(m => m.CorrelationId == id
            || db.OfferTimeline.Any(t => t.OfferId == id && t.MessageId == m.InboxMessageId)));

    /// <summary>
    /// Rows the outbox has not sent yet: sent ones stay until the whole batch is removed, and their inbox row records
    /// the last sequence number delivered (or the batch as delivered).
    /// </summary>
    static IQueryable<OutboxMessage> Undelivered(SoukDbContext db, IQueryable<OutboxMessage> query) =>
        query.Where(m => !db.InboxStates.Any(i => i.MessageId == m.InboxMessageId && i.ConsumerId == m.InboxConsumerId
            && (i.Delivered != null || i.LastSequenceNumber >= m.SequenceNumber)));

    public static string ShortType(string messageType) => messageType[(messageType.LastIndexOf(':') + 1)..];

    static string Ago(TimeSpan span) => span.TotalHours >= 1 ? $"{span.TotalHours:0.#} h" : span.TotalMinutes >= 1 ? $"{span.TotalMinutes:0.#} min" : $"{span.TotalSeconds:0} s";
}
