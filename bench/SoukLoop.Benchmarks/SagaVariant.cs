using MassTransit;
using MassTransit.Saga;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SoukLoop.Contracts;
using SoukLoop.Persistence;
using SoukLoop.Persistence.Model;
using SoukLoop.Persistence.Sagas;
using SoukLoop.Persistence.Scheduling;
using SoukLoop.ServiceDefaults;
using SoukLoop.Workers.Offers;

namespace SoukLoop.Benchmarks;

public enum SagaStorage
{
    /// <summary>A: production: <c>AddOffers</c> = <c>.PostgresRepository()</c> behind <c>UsePostgresOutbox</c>.</summary>
    Postgres,

    /// <summary>B: the same state machine and activities, MassTransit's <c>.InMemoryRepository()</c>, no outbox.</summary>
    InMemory
}

public sealed record SagaVariant(string Key, string Title, SagaStorage Storage)
{
    public static readonly SagaVariant A = new("A", "Postgres saga repository + Postgres inbox/outbox", SagaStorage.Postgres);
    public static readonly SagaVariant B = new("B", "MassTransit in-memory saga repository, no outbox", SagaStorage.InMemory);

    /// <summary>
    /// The Workers' saga in this process: AddSoukPersistence and AddSoukMessaging (RabbitMQ, kebab-case endpoints,
    /// publish scheduler) with the Postgres scheduler, plus the two request clients the Api uses for these commands.
    /// </summary>
    public IHost BuildHost(Infrastructure infrastructure, BenchEnvironment env, SagaOptions options, out string repository)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "SoukLoop.Benchmarks" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = infrastructure.ConnectionString,
            ["RabbitMq:Host"] = env.RabbitHost,
            ["RabbitMq:Port"] = env.RabbitPort.ToString(),
            ["RabbitMq:VirtualHost"] = infrastructure.VirtualHost,
            ["RabbitMq:Username"] = env.RabbitUser,
            ["RabbitMq:Password"] = env.RabbitPassword,
            // Unset: the Workers' own default (OfferOptions), the same for both variants.
            ["Offers:ConcurrentMessageLimit"] = options.SagaConcurrency?.ToString()
        });
        var configuration = builder.Configuration;

        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        if (options.LogSql)
            builder.Logging.AddFilter("Microsoft.EntityFrameworkCore.Database.Command", LogLevel.Information);

        builder.Services.AddSoukPersistence(configuration);
        builder.Services.AddSoukMessaging(configuration, x =>
        {
            x.AddPostgresScheduler(configuration);
            switch (Storage)
            {
                case SagaStorage.Postgres:
                    x.AddOffers(configuration);
                    break;
                case SagaStorage.InMemory:
                    // AddOffers without .PostgresRepository() and without the outbox.
                    x.AddOptions<OfferOptions>().Bind(configuration.GetSection(OfferOptions.Section));
                    x.AddSingleton<OfferTimelineObserver>();
                    x.AddScoped<OfferConversation>();
                    x.AddSagaStateMachine<OfferStateMachine, OfferState, InMemoryOfferStateDefinition>().InMemoryRepository();
                    break;
            }

            // No phoning home from a benchmark (MassTransit reports anonymous usage by default).
            x.ConfigureUsageTelemetryOptions(o => o.Enabled = false);
            x.AddRequestClient<MakeOffer>(RequestTimeout.After(s: 60));
            x.AddRequestClient<AcceptOffer>(RequestTimeout.After(s: 60));
        });
        builder.Services.Configure<MassTransitHostOptions>(o => o.WaitUntilStarted = true);

        repository = CheckRepository(builder.Services);
        return builder.Build();
    }

    /// <summary>Fails unless exactly the intended saga repository is registered for <see cref="OfferState"/>.</summary>
    string CheckRepository(IServiceCollection services)
    {
        var factories = services
            .Where(d => d.ServiceType.IsGenericType && d.ServiceType.GetGenericTypeDefinition() == typeof(ISagaRepositoryContextFactory<>)
                && d.ServiceType.GetGenericArguments()[0] == typeof(OfferState))
            .Select(d => d.ImplementationType ?? d.ImplementationInstance?.GetType())
            .ToList();
        var postgres = factories.Any(t => t is { IsGenericType: true } && t.GetGenericTypeDefinition() == typeof(PostgresSagaRepositoryContextFactory<>));
        var inMemory = factories.Any(t => t?.Name.StartsWith("InMemorySagaRepositoryContextFactory", StringComparison.Ordinal) == true);
        var names = string.Join(", ", factories.Select(t => t?.Name ?? "(factory)"));

        var ok = Storage switch
        {
            SagaStorage.Postgres => postgres && !inMemory,
            SagaStorage.InMemory => inMemory && !postgres,
            _ => false
        };
        if (!ok)
            throw new BenchException($"Variant {Key}: unexpected saga repository registration for OfferState: [{names}]");
        return names;
    }
}
