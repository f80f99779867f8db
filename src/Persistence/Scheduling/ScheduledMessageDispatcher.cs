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
/// What is due is decided by the database's clock (<c>now()</c>), so instances whose clocks disagree agree on it.
/// Each row succeeds or fails on its own: a send that fails or outlasts <see cref="SchedulerOptions.SendTimeout"/>
/// counts an attempt on that row alone, which then waits its back-off while the rows due after it fire; after
/// <see cref="SchedulerOptions.MaxAttempts"/> it is set aside as failed (docs/operations.md "Scheduled messages").
/// </summary>
public class ScheduledMessageDispatcher(
    IServiceScopeFactory scopes,
    IBus bus,
    ScheduledMessageSignal signal,
    IOptionsMonitor<SchedulerOptions> options,
    TimeProvider clock,
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

    /// <summary>One pass: claims up to a batch of due rows and sends them; returns how many fired.</summary>
    public async Task<int> DispatchDueAsync(CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SoukDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);

        var due = await db.ScheduledMessages
            .FromSql($"""
                SELECT * FROM scheduled_messages
                WHERE cancelled_at IS NULL AND fired_at IS NULL AND failed_at IS NULL AND due_at <= now()
                  AND (next_attempt_at IS NULL OR next_attempt_at <= now())
                ORDER BY due_at
                LIMIT {settings.BatchSize}
                FOR UPDATE SKIP LOCKED
                """)
            .AsTracking()
            .ToListAsync(cancellationToken);
        if (due.Count == 0)
            return 0;

        // The database's time (its now() is this transaction's start), advanced by what the sends take.
        var dbNow = await db.Database.SqlQuery<DateTime>($"SELECT now() AS \"Value\"").SingleAsync(cancellationToken);
        var started = clock.GetTimestamp();
        var fired = 0;
        foreach (var message in due)
        {
            try
            {
                await SendAsync(message, settings.SendTimeout, cancellationToken);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                Failed(message, ex, DbClock.Truncate(dbNow + clock.GetElapsedTime(started)), settings);
                // The failure may be the broker's rather than this row's: leave the rest of the batch to the next poll, where this
                // row no longer comes first (it waits its back-off), instead of spending a send timeout on every row now.
                break;
            }
            message.FiredAt = DbClock.Truncate(dbNow + clock.GetElapsedTime(started));
            SchedulerMetrics.Fired(message.FiredAt.Value - message.DueAt);
            fired++;
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        if (fired > 0)
            logger.LogDebug("Scheduler fired {Count} message(s)", fired);
        return fired;
    }

    async Task SendAsync(ScheduledMessage message, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(timeout);
        try
        {
            var destination = message.DestinationAddress ?? throw new InvalidOperationException("The scheduled message has no destination address.");
            var endpoint = await bus.GetSendEndpoint(destination).WaitAsync(bounded.Token);
            await endpoint.Send(new SerializedMessageBody(), new OutboxMessageSendPipe(message, destination), bounded.Token);
        }
        catch (OperationCanceledException ex) when (bounded.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The send did not complete within {timeout.TotalSeconds:0.#} s.", ex);
        }
    }

    void Failed(ScheduledMessage message, Exception exception, DateTime at, SchedulerOptions settings)
    {
        message.Attempts++;
        var error = $"{exception.GetType().Name}: {exception.Message}";
        message.LastError = error.Length > 2000 ? error[..2000] : error;
        if (message.Attempts >= settings.MaxAttempts)
        {
            message.FailedAt = at;
            message.NextAttemptAt = null;
            SchedulerMetrics.Failed();
            logger.LogError(exception, "Scheduled message {TokenId} to {Destination} set aside as failed after {Attempts} attempts",
                message.TokenId, message.DestinationAddress, message.Attempts);
        }
        else
        {
            message.NextAttemptAt = at + settings.RetryDelay(message.Attempts);
            logger.LogWarning(exception, "Scheduled message {TokenId} to {Destination} could not be sent (attempt {Attempts}); next attempt at {NextAttemptAt:O}",
                message.TokenId, message.DestinationAddress, message.Attempts, message.NextAttemptAt);
        }
    }
}
