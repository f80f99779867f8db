using MassTransit;
using SoukLoop.Persistence.Model;
using SoukLoop.Persistence.Sagas;
using SoukLoop.ServiceDefaults;

namespace SoukLoop.Workers.Payments;

public static class PaymentRegistration
{
    public static void AddPayments(this IBusRegistrationConfigurator x, IConfiguration configuration)
    {
        x.AddOptions<PaymentOptions>().Bind(configuration.GetSection(PaymentOptions.Section));
        x.AddStripeOptions(configuration, "Workers");
        x.AddHttpClient(nameof(StripeGateway), c => c.Timeout = TimeSpan.FromSeconds(80));
        x.AddSingleton<StripeGateway>();
        x.AddSagaStateMachine<PaymentStateMachine, PaymentState, PaymentStateDefinition>().PostgresRepository();
        x.AddConsumer<ReleaseHeldPayoutsConsumer, ReleaseHeldPayoutsConsumerDefinition>();
        x.AddHostedService<HeldPayoutSweeper>();
    }
}
