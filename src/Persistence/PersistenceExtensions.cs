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

    public static void Configure(DbContextOptionsBuilder options, string connectionString) =>
        options.UseNpgsql(connectionString, npgsql => npgsql.MigrationsHistoryTable("__ef_migrations_history"))
            .UseSnakeCaseNamingConvention();
}
