using MassTransit;
using SoukLoop.Persistence.Model;
using SoukLoop.Persistence.Sagas;

namespace SoukLoop.Workers.Offers;

public static class OfferRegistration
{
    public static void AddOffers(this IBusRegistrationConfigurator x, IConfiguration configuration)
    {
        x.AddOptions<OfferOptions>().Bind(configuration.GetSection(OfferOptions.Section));
        x.AddSingleton<OfferTimelineObserver>();
        x.AddScoped<OfferConversation>();
        x.AddSagaStateMachine<OfferStateMachine, OfferState, OfferStateDefinition>().PostgresRepository();
        x.AddConsumer<CloseSoldOffersConsumer, CloseSoldOffersConsumerDefinition>();
    }
}
