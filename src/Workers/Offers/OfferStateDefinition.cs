using MassTransit;
using Microsoft.EntityFrameworkCore;
using SoukLoop.Persistence.Model;
using SoukLoop.Persistence.Sagas;
using SoukLoop.Workers.Support;

namespace SoukLoop.Workers.Offers;

/// <summary>The offer saga's endpoint: retries around the Postgres inbox/outbox, so each attempt is one fresh transaction.</summary>
public class OfferStateDefinition : SagaDefinition<OfferState>
{
    protected override void ConfigureSaga(IReceiveEndpointConfigurator endpointConfigurator, ISagaConfigurator<OfferState> sagaConfigurator,
        IRegistrationContext context)
    {
        endpointConfigurator.UsePublishRequestFaults(context);
        endpointConfigurator.UseMessageRetry(r =>
        {
            // Optimistic concurrency conflicts and serialization failures: retry quickly, with jitter from the intervals.
            r.Handle<DbUpdateConcurrencyException>();
            r.Handle<DbUpdateException>();
            r.Handle<Npgsql.NpgsqlException>();
            r.Intervals(5, 10, 20, 40, 80, 120, 200, 300, 500, 800, 1000, 1000, 1000);
        });
        endpointConfigurator.UseSagaAttemptMetrics("offer");
        endpointConfigurator.UsePostgresOutbox(context);
    }
}
