using System.Data;
using MassTransit;
using MassTransit.Middleware;
using Microsoft.EntityFrameworkCore;

namespace SoukLoop.Persistence.Messaging;

/// <summary>
/// Inbox and outbox on Postgres for every consumer and saga endpoint. MassTransit's outbox pipe takes a message
/// through three steps: 1) consume: the handler's database changes and the messages it produced commit together,
/// and the inbox row marks the message consumed; 2) deliver the stored messages to the broker; 3) remove them.
/// Step 1 is a transaction of its own; steps 2 and 3 share one, so the inbox row is locked twice per message, not
/// three times. Every transaction starts by locking the message's inbox row.
/// A crash after 1) leaves the inbound message unacknowledged: its redelivery skips the handler and delivers.
/// A crash during 2) (or before its commit) sends the stored messages again with the same message ids.
/// </summary>
public class PostgresOutboxContextFactory(SoukDbContext db, IServiceProvider provider) : IOutboxContextFactory<SoukDbContext>
{
    public async Task Send<T>(ConsumeContext<T> context, OutboxConsumeOptions options, IPipe<OutboxConsumeContext<T>> next)
        where T : class
    {
        var messageId = context.GetOriginalMessageId() ?? throw new MessageException(typeof(T), "MessageId required to use the outbox");
        var firstPass = true;
        var continueProcessing = true;

        // Any error in a pass rolls the whole transaction back and the retry filter starts over, so EF's automatic
        // savepoint around every SaveChanges (two more round trips each) protects nothing here. The saga
        // repository's Insert, which does continue after a failed statement, sets its own savepoint.
        db.Database.AutoSavepointsEnabled = false;

        while (continueProcessing)
        {
            // A retry reuses the scope: never let an earlier attempt's tracked entities leak into this one.
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(IsolationLevel.ReadCommitted, context.CancellationToken);
            try
            {
                var inbox = firstPass
                    ? await ReceiveAsync(messageId, options.ConsumerId, context.CancellationToken)
                    : await LockAsync(messageId, options.ConsumerId, context.CancellationToken);
                firstPass = false;

                var consumed = inbox.Consumed.HasValue;
                do
                {
                    var outboxContext = new PostgresOutboxConsumeContext<T>(context, options, provider, db, inbox);
                    await next.Send(outboxContext);
                    continueProcessing = outboxContext.ContinueProcessing;
                }
                // Delivered in this transaction: remove the stored messages in it too (the pipe's next step).
                while (continueProcessing && consumed && inbox.Delivered.HasValue);

                await db.SaveChangesAsync(context.CancellationToken);
                await transaction.CommitAsync(context.CancellationToken);
            }
            catch
            {
                try { await transaction.RollbackAsync(CancellationToken.None); }
                catch (Exception) { /* the connection is gone; the transaction is rolled back with it */ }
                throw;
            }
        }
    }

    /// <summary>
    /// The first pass of a delivery: creates the inbox row, or counts one more receive of a known message, and locks
    /// it, in one statement. A concurrent copy of the same message waits here until this transaction ends.
    /// </summary>
    async Task<InboxState> ReceiveAsync(Guid messageId, Guid consumerId, CancellationToken cancellationToken)
    {
        var rows = await db.InboxStates
            .FromSql($"""
                INSERT INTO inbox_states (message_id, consumer_id, received, receive_count)
                VALUES ({messageId}, {consumerId}, {DateTime.UtcNow}, 1)
                ON CONFLICT (message_id, consumer_id) DO UPDATE SET receive_count = inbox_states.receive_count + 1
                RETURNING *
                """)
            .AsTracking()
            .ToListAsync(cancellationToken);
        return rows.Single();
    }

    async Task<InboxState> LockAsync(Guid messageId, Guid consumerId, CancellationToken cancellationToken) =>
        await db.InboxStates
            .FromSql($"SELECT * FROM inbox_states WHERE message_id = {messageId} AND consumer_id = {consumerId} FOR UPDATE")
            .AsTracking()
            .SingleOrDefaultAsync(cancellationToken)
        ?? throw new InvalidOperationException($"The inbox row of message {messageId} disappeared while it was being processed.");

    public void Probe(ProbeContext context) => context.CreateFilterScope("postgresOutbox");
}
