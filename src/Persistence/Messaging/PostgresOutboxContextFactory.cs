using System.Data;
using MassTransit;
using MassTransit.Middleware;
using Microsoft.EntityFrameworkCore;

namespace SoukLoop.Persistence.Messaging;

/// <summary>
/// Inbox and outbox on Postgres for every consumer and saga endpoint. One pass per transaction:
/// 1) consume: the handler's database changes and the messages it produced commit together, and the inbox row
///    marks the message consumed; 2) deliver the stored messages to the broker; 3) remove them.
/// A crash after 1) leaves the inbound message unacknowledged: its redelivery skips the handler and delivers.
/// </summary>
public class PostgresOutboxContextFactory(SoukDbContext db, IServiceProvider provider) : IOutboxContextFactory<SoukDbContext>
{
    public async Task Send<T>(ConsumeContext<T> context, OutboxConsumeOptions options, IPipe<OutboxConsumeContext<T>> next)
        where T : class
    {
        var messageId = context.GetOriginalMessageId() ?? throw new MessageException(typeof(T), "MessageId required to use the outbox");
        var firstPass = true;
        var continueProcessing = true;

        while (continueProcessing)
        {
            // A retry reuses the scope: never let an earlier attempt's tracked entities leak into this one.
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(IsolationLevel.ReadCommitted, context.CancellationToken);
            try
            {
                var inbox = await db.InboxStates
                    .FromSql($"SELECT * FROM inbox_states WHERE message_id = {messageId} AND consumer_id = {options.ConsumerId} FOR UPDATE")
                    .AsTracking()
                    .SingleOrDefaultAsync(context.CancellationToken);

                if (inbox == null)
                {
                    inbox = new InboxState { MessageId = messageId, ConsumerId = options.ConsumerId, Received = DateTime.UtcNow, ReceiveCount = 1 };
                    db.InboxStates.Add(inbox);
                    await db.SaveChangesAsync(context.CancellationToken);
                }
                else if (firstPass)
                    inbox.ReceiveCount++;

                firstPass = false;

                var outboxContext = new PostgresOutboxConsumeContext<T>(context, options, provider, db, inbox);
                await next.Send(outboxContext);
                await db.SaveChangesAsync(context.CancellationToken);
                await transaction.CommitAsync(context.CancellationToken);

                continueProcessing = outboxContext.ContinueProcessing;
            }
            catch
            {
                try { await transaction.RollbackAsync(CancellationToken.None); }
                catch (Exception) { /* the connection is gone; the transaction is rolled back with it */ }
                throw;
            }
        }
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("postgresOutbox");
}
