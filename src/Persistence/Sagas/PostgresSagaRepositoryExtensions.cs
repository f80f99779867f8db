using MassTransit;
using MassTransit.Configuration;
using MassTransit.Saga;
using SoukLoop.Persistence.Messaging;

namespace SoukLoop.Persistence.Sagas;

public static class PostgresSagaRepositoryExtensions
{
    /// <summary>Stores the saga in Postgres (see <see cref="PostgresSagaRepositoryContextFactory{TSaga}"/>).</summary>
    public static ISagaRegistrationConfigurator<TSaga> PostgresRepository<TSaga>(this ISagaRegistrationConfigurator<TSaga> configurator)
        where TSaga : class, ISaga, ISagaVersion
    {
        configurator.Repository(r =>
        {
            r.RegisterLoadSagaRepository<TSaga, PostgresSagaRepositoryContextFactory<TSaga>>();
            r.RegisterQuerySagaRepository<TSaga, PostgresSagaRepositoryContextFactory<TSaga>>();
            r.RegisterSagaRepository<TSaga, SoukDbContext, SagaConsumeContextFactory<SoukDbContext, TSaga>,
                PostgresSagaRepositoryContextFactory<TSaga>>();
        });
        return configurator;
    }

    /// <summary>Puts the Postgres inbox/outbox in front of every consumer and saga on this endpoint.</summary>
    public static void UsePostgresOutbox(this IReceiveEndpointConfigurator configurator, IRegistrationContext context)
    {
        var observer = new OutboxConsumePipeSpecificationObserver<SoukDbContext>(configurator, context)
        {
            MessageDeliveryLimit = 100
        };
        configurator.ConnectConsumerConfigurationObserver(observer);
        configurator.ConnectSagaConfigurationObserver(observer);
    }
}
