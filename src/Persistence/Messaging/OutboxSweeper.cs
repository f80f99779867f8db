using MassTransit;
using MassTransit.Middleware;
using MassTransit.Serialization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace SoukLoop.Persistence.Messaging;

public class OutboxSweeperOptions
{
    public const string Section = "Outbox";

    /// <summary>
    /// Outbox rows older than this are delivered by the sweeper. Normally the consuming pass delivers them at once, or the
    /// inbound message's redelivery does; after this long that message is gone (lost, acknowledged, moved to <c>_error</c>).
    /// </summary>
    public TimeSpan SweepAfter { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Inbound messages (each with its outbox rows) swept per pass.</summary>
    public int BatchSize { get; set; } = 100;

    /// <summary>The longest one send may take before the message's delivery is abandoned until the next pass.</summary>
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// Delivers committed outbox rows that nobody else will: those older than <see cref="OutboxSweeperOptions.SweepAfter"/>.
/// Per inbound message it locks the inbox row with <c>FOR UPDATE SKIP LOCKED</c> (a row its consumer is processing right
/// now is skipped; the outbox pipe takes the same lock), sends the rows the inbox has not recorded as delivered, with their
/// own message ids, marks the inbox delivered and removes them, in one transaction: any number of Workers may sweep, and a
/// message swept by one is gone for the others. A crash before commit sends again with the same ids, which receivers' inboxes drop.
/// </summary>
public class OutboxSweeper(
    IServiceScopeFactory scopes,
    IBus bus,
    IOptionsMonitor<OutboxSweeperOptions> options,
    ILogger<OutboxSweeper> logger) : PeriodicService(logger)
{
    protected override TimeSpan Interval => options.CurrentValue.SweepInterval;

    protected override Task RunOnceAsync(CancellationToken cancellationToken) => SweepAsync(cancellationToken);

    /// <summary>One pass; returns how many outbox rows it delivered.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SoukDbContext>();

        var inboxes = await db.OutboxMessages
            .FromSql($"SELECT * FROM outbox_messages WHERE sent_time < now() - {settings.SweepAfter}")
            .Select(m => new { m.InboxMessageId, m.InboxConsumerId })
            .Distinct()
            .OrderBy(m => m.InboxMessageId)
            .Take(settings.BatchSize)
            .ToListAsync(cancellationToken);

        var delivered = 0;
        foreach (var inbox in inboxes)
        {
            try
            {
                delivered += await DeliverAsync(db, inbox.InboxMessageId, inbox.InboxConsumerId, settings.SendTimeout, cancellationToken);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Outbox rows of message {MessageId} (consumer {ConsumerId}) could not be delivered; next sweep tries again",
                    inbox.InboxMessageId, inbox.InboxConsumerId);
            }
        }
        if (delivered > 0)
            logger.LogWarning("Outbox sweeper delivered {Count} message(s) left behind by {Inboxes} consumed message(s)", delivered, inboxes.Count);
        return delivered;
    }

    async Task<int> DeliverAsync(SoukDbContext db, Guid messageId, Guid consumerId, TimeSpan sendTimeout, CancellationToken cancellationToken)
    {
        db.ChangeTracker.Clear();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var inbox = await db.InboxStates
            .FromSql($"SELECT * FROM inbox_states WHERE message_id = {messageId} AND consumer_id = {consumerId} FOR UPDATE SKIP LOCKED")
            .AsTracking()
            .SingleOrDefaultAsync(cancellationToken);
        if (inbox == null)
            return 0; // its consumer holds it now (it delivers them itself), or another sweeper does

        var rows = await db.OutboxMessages.AsNoTracking()
            .Where(m => m.InboxMessageId == messageId && m.InboxConsumerId == consumerId
                        && (inbox.Delivered == null && (inbox.LastSequenceNumber == null || m.SequenceNumber > inbox.LastSequenceNumber)))
            .OrderBy(m => m.SequenceNumber)
            .ToListAsync(cancellationToken);

        foreach (var row in rows)
        {
            row.Deserialize(SystemTextJsonMessageSerializer.Instance);
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bounded.CancelAfter(sendTimeout);
            var destination = row.DestinationAddress ?? throw new InvalidOperationException($"Outbox message {row.MessageId} has no destination address.");
            var endpoint = await bus.GetSendEndpoint(destination).WaitAsync(bounded.Token);
            await endpoint.Send(new SerializedMessageBody(), new OutboxMessageSendPipe(row, destination), bounded.Token);
            inbox.LastSequenceNumber = row.SequenceNumber;
            OutboxMetrics.Delivered(row.SentTime);
        }

        inbox.Delivered ??= DbClock.UtcNow();
        await db.OutboxMessages.Where(m => m.InboxMessageId == messageId && m.InboxConsumerId == consumerId).ExecuteDeleteAsync(cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return rows.Count;
    }
}
