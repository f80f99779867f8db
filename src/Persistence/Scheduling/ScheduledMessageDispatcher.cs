using MassTransit;
using MassTransit.Middleware;
using MassTransit.Serialization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace SoukLoop.Persistence.Scheduling;

/// <summary>
/// Sends due scheduled messages. Rows are claimed with <c>FOR UPDATE SKIP LOCKED</c>, so any number of worker
/// instances can run this and none fires a message another one holds; a row is marked fired in the same
/// transaction that claimed it. A crash after sending but before commit re-sends the same message id, which the
/// receiving inbox discards.
/// </summary>
public class ScheduledMessageDispatcher(
    IServiceScopeFactory scopes,
    IBus bus,
    ScheduledMessageSignal signal,
    IOptionsMonitor<SchedulerOptions> options,
    ILogger<ScheduledMessageDispatcher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        logger.LogInformation("Scheduler dispatcher started (poll {PollInterval})", options.CurrentValue.PollInterval);
        while (!stoppingToken.IsCancellationRequested)
        {
            var sent = 0;
            try
            {
                if (options.CurrentValue.Enabled)
                    sent = await DispatchDueAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Scheduler dispatch failed; retrying after the poll interval");
            }

            if (sent < options.CurrentValue.BatchSize)
            {
                try { await signal.WaitAsync(options.CurrentValue.PollInterval, stoppingToken); }
                catch (OperationCanceledException) { break; }
            }
        }
    }

    public async Task<int> DispatchDueAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SoukDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);

        var now = DateTime.UtcNow;
        var batch = options.CurrentValue.BatchSize;
        var due = await db.ScheduledMessages
            .FromSql($"""
                SELECT * FROM scheduled_messages
                WHERE cancelled_at IS NULL AND fired_at IS NULL AND due_at <= {now}
                ORDER BY due_at
                LIMIT {batch}
                FOR UPDATE SKIP LOCKED
                """)
            .AsTracking()
            .ToListAsync(cancellationToken);

        foreach (var message in due)
        {
            var endpoint = await bus.GetSendEndpoint(message.DestinationAddress!);
            await endpoint.Send(new SerializedMessageBody(), new OutboxMessageSendPipe(message, message.DestinationAddress), cancellationToken);
            message.FiredAt = DateTime.UtcNow;
            SchedulerMetrics.Fired(message.FiredAt.Value - message.DueAt);
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        if (due.Count > 0)
            logger.LogDebug("Scheduler fired {Count} message(s)", due.Count);
        return due.Count;
    }
}
