using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace SoukLoop.Persistence.Messaging;

/// <summary>
/// How long the rows that only guard against duplicates are kept (section <c>Retention</c>). Each window is far longer than
/// the re-drive horizon (docs/operations.md "Growing tables"): while a copy of a message may still come back, its row must exist.
/// </summary>
public class RetentionOptions
{
    public const string Section = "Retention";

    /// <summary><c>inbox_states</c> by <c>received</c>: a message re-driven from <c>_error</c> within this window is still dropped as a duplicate.</summary>
    public TimeSpan InboxStates { get; set; } = TimeSpan.FromDays(30);

    /// <summary><c>scheduled_messages</c> fired or cancelled this long ago (pending and failed rows stay).</summary>
    public TimeSpan ScheduledMessages { get; set; } = TimeSpan.FromDays(30);

    /// <summary><c>stripe_events</c> by <c>received_at</c> (Stripe retries a webhook for up to 3 days).</summary>
    public TimeSpan StripeEvents { get; set; } = TimeSpan.FromDays(30);

    /// <summary><c>push_deliveries</c> by <c>claimed_at</c>.</summary>
    public TimeSpan PushDeliveries { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Time between two clean-ups (one runs at start).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Rows deleted per statement, so no statement holds many locks or runs long.</summary>
    public int BatchSize { get; set; } = 1000;
}

/// <summary>Deletes the rows of the growing tables that are older than their window, in batches, at start and every interval.</summary>
public class RetentionCleanup(IServiceScopeFactory scopes, IOptionsMonitor<RetentionOptions> options, ILogger<RetentionCleanup> logger)
    : PeriodicService(logger)
{
    protected override TimeSpan Interval => options.CurrentValue.Interval;

    protected override Task RunOnceAsync(CancellationToken cancellationToken) => CleanUpAsync(cancellationToken);

    /// <summary>One clean-up; returns the rows deleted per table.</summary>
    public async Task<Dictionary<string, int>> CleanUpAsync(CancellationToken cancellationToken)
    {
        var o = options.CurrentValue;
        var batch = o.BatchSize;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SoukDbContext>();
        // Each statement deletes one batch, found through the table's time index; rows another transaction holds are skipped.
        var deleted = new Dictionary<string, int>
        {
            // An inbox row whose outbox rows are still waiting stays: the outbox sweeper needs it.
            ["inbox_states"] = await DeleteAsync(db, () => $"""
                DELETE FROM inbox_states WHERE ctid IN (
                    SELECT i.ctid FROM inbox_states i WHERE i.received < now() - {o.InboxStates}
                    AND NOT EXISTS (SELECT 1 FROM outbox_messages m WHERE m.inbox_message_id = i.message_id AND m.inbox_consumer_id = i.consumer_id)
                    LIMIT {batch} FOR UPDATE SKIP LOCKED)
                """, batch, cancellationToken),
            ["scheduled_messages"] = await DeleteAsync(db, () => $"""
                DELETE FROM scheduled_messages WHERE ctid IN (
                    SELECT ctid FROM scheduled_messages WHERE fired_at < now() - {o.ScheduledMessages} OR cancelled_at < now() - {o.ScheduledMessages}
                    LIMIT {batch} FOR UPDATE SKIP LOCKED)
                """, batch, cancellationToken),
            ["stripe_events"] = await DeleteAsync(db, () => $"""
                DELETE FROM stripe_events WHERE ctid IN (
                    SELECT ctid FROM stripe_events WHERE received_at < now() - {o.StripeEvents} LIMIT {batch} FOR UPDATE SKIP LOCKED)
                """, batch, cancellationToken),
            ["push_deliveries"] = await DeleteAsync(db, () => $"""
                DELETE FROM push_deliveries WHERE ctid IN (
                    SELECT ctid FROM push_deliveries WHERE claimed_at < now() - {o.PushDeliveries} LIMIT {batch} FOR UPDATE SKIP LOCKED)
                """, batch, cancellationToken),
        };
        if (deleted.Values.Any(n => n > 0))
            logger.LogInformation("Cleaned up old rows: {Deleted}", string.Join(", ", deleted.Select(d => $"{d.Key} {d.Value}")));
        return deleted;
    }

    static async Task<int> DeleteAsync(SoukDbContext db, Func<FormattableString> statement, int batch, CancellationToken cancellationToken)
    {
        var total = 0;
        int deleted;
        do
        {
            deleted = await db.Database.ExecuteSqlAsync(statement(), cancellationToken);
            total += deleted;
        }
        while (deleted >= batch);
        return total;
    }
}
