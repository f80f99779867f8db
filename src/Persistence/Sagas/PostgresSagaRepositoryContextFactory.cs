using System.Data;
using MassTransit;
using MassTransit.Saga;
using Microsoft.EntityFrameworkCore;

namespace SoukLoop.Persistence.Sagas;

/// <summary>
/// Saga repository on Postgres through EF Core, on MassTransit's saga repository interfaces. Optimistic concurrency:
/// <see cref="ISagaVersion.Version"/> is the row version checked by every update; a conflict throws
/// <see cref="DbUpdateConcurrencyException"/> and the endpoint's retry policy runs the message again on fresh state.
/// Behind the outbox the surrounding transaction is the outbox's, so state, events and timeouts commit together.
/// </summary>
public class PostgresSagaRepositoryContextFactory<TSaga>(SoukDbContext db, ISagaConsumeContextFactory<SoukDbContext, TSaga> factory) :
    ISagaRepositoryContextFactory<TSaga>,
    IQuerySagaRepositoryContextFactory<TSaga>,
    ILoadSagaRepositoryContextFactory<TSaga>
    where TSaga : class, ISaga, ISagaVersion
{
    public Task Send<T>(ConsumeContext<T> context, IPipe<SagaRepositoryContext<TSaga, T>> next) where T : class =>
        WithinTransaction(context.CancellationToken, async () =>
        {
            using var repositoryContext = new PostgresSagaRepositoryContext<TSaga, T>(db, context, factory);
            await next.Send(repositoryContext);
        });

    public Task SendQuery<T>(ConsumeContext<T> context, ISagaQuery<TSaga> query, IPipe<SagaRepositoryQueryContext<TSaga, T>> next)
        where T : class =>
        WithinTransaction(context.CancellationToken, async () =>
        {
            var instances = await db.Set<TSaga>().AsTracking().Where(query.FilterExpression).ToListAsync(context.CancellationToken);
            using var repositoryContext = new PostgresSagaRepositoryContext<TSaga, T>(db, context, factory);
            await next.Send(new LoadedSagaRepositoryQueryContext<TSaga, T>(repositoryContext, instances));
        });

    public Task<T> Execute<T>(Func<LoadSagaRepositoryContext<TSaga>, Task<T>> asyncMethod, CancellationToken cancellationToken = default)
        where T : class => asyncMethod(new PostgresSagaQueryContext<TSaga>(db, cancellationToken));

    public Task<T> Execute<T>(Func<QuerySagaRepositoryContext<TSaga>, Task<T>> asyncMethod, CancellationToken cancellationToken = default)
        where T : class => asyncMethod(new PostgresSagaQueryContext<TSaga>(db, cancellationToken));

    public void Probe(ProbeContext context) => context.Add("persistence", "postgres");

    async Task WithinTransaction(CancellationToken cancellationToken, Func<Task> callback)
    {
        // The outbox already opened the transaction this message runs in: join it.
        if (db.Database.CurrentTransaction != null)
        {
            await callback();
            return;
        }

        await using var transaction = await db.Database.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
        await callback();
        await transaction.CommitAsync(cancellationToken);
    }
}
