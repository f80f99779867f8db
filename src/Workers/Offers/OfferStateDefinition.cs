using MassTransit;
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
        endpointConfigurator.UseTransientRetry();
        endpointConfigurator.UseSagaAttemptMetrics("offer");
        endpointConfigurator.UsePostgresOutbox(context);
    }
}
