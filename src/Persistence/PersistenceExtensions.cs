using MassTransit.Middleware;
using Microsoft.EntityFrameworkCore;
using SoukLoop.Persistence.Messaging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace SoukLoop.Persistence;

public static class PersistenceExtensions
{
    public static IServiceCollection AddSoukPersistence(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString("Postgres")
            ?? throw new InvalidOperationException("ConnectionStrings:Postgres is not configured.");
        services.AddDbContext<SoukDbContext>(o => Configure(o, connectionString));
        services.AddScoped<IOutboxContextFactory<SoukDbContext>, PostgresOutboxContextFactory>();
        return services;
    }

    /// <summary>
    /// The background upkeep of our inbox/outbox tables (run by the Workers): the outbox sweeper and the clean-up of rows
    /// older than their retention windows (docs/operations.md "Growing tables").
    /// </summary>
    public static IServiceCollection AddPersistenceUpkeep(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<OutboxSweeperOptions>().Bind(configuration.GetSection(OutboxSweeperOptions.Section));
        services.AddOptions<RetentionOptions>().Bind(configuration.GetSection(RetentionOptions.Section));
        services.AddSingleton<OutboxSweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<OutboxSweeper>());
        services.AddSingleton<RetentionCleanup>();
        services.AddHostedService(sp => sp.GetRequiredService<RetentionCleanup>());
        return services;
    }

    public static void Configure(DbContextOptionsBuilder options, string connectionString) =>
        options.UseNpgsql(connectionString, npgsql => npgsql.MigrationsHistoryTable("__ef_migrations_history"))
            .UseSnakeCaseNamingConvention();
}
