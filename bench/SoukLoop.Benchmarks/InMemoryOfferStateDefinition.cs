using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SoukLoop.Persistence.Model;
using SoukLoop.Workers.Offers;

namespace SoukLoop.Benchmarks;

/// <summary>
/// Variant B's endpoint: everything <see cref="OfferStateDefinition"/> sets on the endpoint (its constructor's
/// limits are inherited) and the same retry policy, but no Postgres inbox/outbox, as the in-memory saga repository
/// cannot share a database transaction anyway.
/// </summary>
public class InMemoryOfferStateDefinition(IOptions<OfferOptions> options) : OfferStateDefinition(options)
{
    protected override void ConfigureSaga(IReceiveEndpointConfigurator endpointConfigurator, ISagaConfigurator<OfferState> sagaConfigurator,
        IRegistrationContext context)
    {
        // Kept identical to OfferStateDefinition's retry; only UsePostgresOutbox is left out.
        endpointConfigurator.UseMessageRetry(r =>
        {
            r.Handle<DbUpdateConcurrencyException>();
            r.Handle<DbUpdateException>();
            r.Handle<Npgsql.NpgsqlException>();
            r.Intervals(5, 10, 20, 40, 80, 120, 200, 300, 500, 800, 1000, 1000, 1000);
        });
    }
}
