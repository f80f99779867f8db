using Microsoft.Extensions.Configuration;
using Npgsql;

namespace SoukLoop.Benchmarks;

/// <summary>
/// Where the servers are: the same environment variables the apps read (<c>ConnectionStrings__Postgres</c>,
/// <c>RabbitMq__Host</c>, <c>RabbitMq__Port</c>, <c>RabbitMq__ManagementPort</c>, <c>RabbitMq__Username</c>,
/// <c>RabbitMq__Password</c>), e.g. from <c>eval "$(scripts/services.sh env)"</c>.
/// </summary>
public sealed class BenchEnvironment
{
    public const string DefaultPostgres = "Host=127.0.0.1;Port=55472;Database=soukloop;Username=souk;Password=souk";

    public required string Postgres { get; init; }
    public required string RabbitHost { get; init; }
    public required ushort RabbitPort { get; init; }
    public required ushort RabbitManagementPort { get; init; }
    public required string RabbitUser { get; init; }
    public required string RabbitPassword { get; init; }

    public static BenchEnvironment FromEnvironment()
    {
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        string Get(string key, string fallback) => configuration[key] is { Length: > 0 } value ? value : fallback;

        return new BenchEnvironment
        {
            Postgres = Get("ConnectionStrings:Postgres", DefaultPostgres),
            RabbitHost = Get("RabbitMq:Host", "127.0.0.1"),
            RabbitPort = ushort.Parse(Get("RabbitMq:Port", "55674")),
            RabbitManagementPort = ushort.Parse(Get("RabbitMq:ManagementPort", "15674")),
            RabbitUser = Get("RabbitMq:Username", "guest"),
            RabbitPassword = Get("RabbitMq:Password", "guest")
        };
    }

    /// <summary>The same server and credentials, another database.</summary>
    public string DatabaseConnection(string database) =>
        new NpgsqlConnectionStringBuilder(Postgres) { Database = database }.ConnectionString;

    /// <summary>For logs and the results file: no password.</summary>
    public string Describe()
    {
        var pg = new NpgsqlConnectionStringBuilder(Postgres);
        return $"postgres {pg.Host}:{pg.Port}, rabbitmq {RabbitHost}:{RabbitPort} (management {RabbitManagementPort})";
    }
}
