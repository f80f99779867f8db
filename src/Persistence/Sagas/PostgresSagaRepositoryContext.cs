using MassTransit;
using MassTransit.Context;
using MassTransit.Middleware;
using MassTransit.Saga;
using Microsoft.EntityFrameworkCore;

namespace SoukLoop.Persistence.Sagas;

public sealed class PostgresSagaRepositoryContext<TSaga, TMessage>(
    SoukDbContext db,
    ConsumeContext<TMessage> consumeContext,
    ISagaConsumeContextFactory<SoukDbContext, TSaga> factory)
    : ConsumeContextScope<TMessage>(consumeContext, db), SagaRepositoryContext<TSaga, TMessage>, IDisposable
    where TSaga : class, ISaga, ISagaVersion
    where TMessage : class
{
    readonly SemaphoreSlim _inUse = new(1);
    readonly ConsumeContext<TMessage> _context = consumeContext;

    public void Dispose() => _inUse.Dispose();

    public Task<SagaConsumeContext<TSaga, TMessage>> Add(TSaga instance) =>
        factory.CreateSagaConsumeContext(db, _context, instance, SagaConsumeContextMode.Add);

    public async Task<SagaConsumeContext<TSaga, TMessage>> Insert(TSaga instance)
    {
        // A failed INSERT aborts a Postgres transaction; this path goes on in it, so it needs a savepoint to return to
        // (EF's automatic ones are off behind the outbox).
        var transaction = db.Database.CurrentTransaction;
        var savepoint = transaction != null && !db.Database.AutoSavepointsEnabled;
        if (savepoint)
            await transaction!.CreateSavepointAsync(InsertSavepoint, CancellationToken);

        var entry = db.Set<TSaga>().Add(instance);
        try
        {
            await db.SaveChangesAsync(CancellationToken);
            return await factory.CreateSagaConsumeContext(db, _context, instance, SagaConsumeContextMode.Insert);
        }
        catch (DbUpdateException)
        {
            if (savepoint)
                await transaction!.RollbackToSavepointAsync(InsertSavepoint, CancellationToken);
            entry.State = EntityState.Detached;
            return default!;
        }
    }

    const string InsertSavepoint = "saga_insert";

    public async Task<SagaConsumeContext<TSaga, TMessage>> Load(Guid correlationId)
    {
        var instance = await db.Set<TSaga>().AsTracking().SingleOrDefaultAsync(x => x.CorrelationId == correlationId, CancellationToken);
        return instance == null
            ? default!
            : await factory.CreateSagaConsumeContext(db, _context, instance, SagaConsumeContextMode.Load);
    }

    public Task Save(SagaConsumeContext<TSaga> context) => Locked(context, () =>
    {
        context.Saga.Version = 1;
        db.Set<TSaga>().Add(context.Saga);
        return db.SaveChangesAsync(CancellationToken);
    });

    public Task Update(SagaConsumeContext<TSaga> context) => Locked(context, () =>
    {
        // The original version goes into the WHERE clause; a concurrent writer makes this update match no row.
        context.Saga.Version++;
        return db.SaveChangesAsync(CancellationToken);
    });

    public Task Delete(SagaConsumeContext<TSaga> context) => Locked(context, () =>
    {
        db.Set<TSaga>().Remove(context.Saga);
        return db.SaveChangesAsync(CancellationToken);
    });

    public Task Discard(SagaConsumeContext<TSaga> context) => Task.CompletedTask;

    public Task Undo(SagaConsumeContext<TSaga> context) => Locked(context, () =>
    {
        var entry = db.ChangeTracker.Entries<TSaga>().FirstOrDefault(x => x.Entity.CorrelationId == context.Saga.CorrelationId);
        if (entry != null)
            entry.State = EntityState.Unchanged;
        return Task.CompletedTask;
    });

    public Task<SagaConsumeContext<TSaga, T>> CreateSagaConsumeContext<T>(ConsumeContext<T> context, TSaga instance, SagaConsumeContextMode mode)
        where T : class => factory.CreateSagaConsumeContext(db, context, instance, mode);

    async Task Locked(SagaConsumeContext<TSaga> context, Func<Task> action)
    {
        await _inUse.WaitAsync(context.CancellationToken);
        try { await action(); }
        finally { _inUse.Release(); }
    }
}

public class PostgresSagaQueryContext<TSaga>(SoukDbContext db, CancellationToken cancellationToken)
    : BasePipeContext(cancellationToken), QuerySagaRepositoryContext<TSaga>, LoadSagaRepositoryContext<TSaga>
    where TSaga : class, ISaga
{
    public async Task<SagaRepositoryQueryContext<TSaga>> Query(ISagaQuery<TSaga> query, CancellationToken token = default)
    {
        var instances = await db.Set<TSaga>().AsNoTracking().Where(query.FilterExpression).ToListAsync(token);
        return new LoadedSagaRepositoryQueryContext<TSaga>(this, instances);
    }

    public Task<TSaga> Load(Guid correlationId) =>
        db.Set<TSaga>().AsNoTracking().SingleOrDefaultAsync(x => x.CorrelationId == correlationId, CancellationToken)!;
}
