using Npgsql;

namespace SoukLoop.Api.Tests.Infrastructure;

/// <summary>
/// Where the test services are: the same variables the apps read (ConnectionStrings__Postgres, ConnectionStrings__Redis,
/// RabbitMq__Host, RabbitMq__Port, RabbitMq__VirtualHost, RabbitMq__Username, RabbitMq__Password), defaulting to the
/// test profile of scripts/services.sh (Postgres 55442, AMQP 55682, Redis 56389).
/// </summary>
public sealed class TestSettings
{
    public const string JwtSigningKey = "souk-loop-api-tests-signing-key-0123456789abcdef";
    public const string OtherSigningKey = "some-other-party-signing-key-0123456789abcdefghij";

    public string Postgres { get; } = Env("ConnectionStrings__Postgres", "Host=127.0.0.1;Port=55442;Username=souk;Password=souk;Database=soukloop");
    public string Redis { get; } = Env("ConnectionStrings__Redis", "127.0.0.1:56389");
    public string RabbitHost { get; } = Env("RabbitMq__Host", "127.0.0.1");
    public int RabbitPort { get; } = int.Parse(Env("RabbitMq__Port", "55682"), System.Globalization.CultureInfo.InvariantCulture);
    public string RabbitVirtualHost { get; } = Env("RabbitMq__VirtualHost", "/");
    public string RabbitUsername { get; } = Env("RabbitMq__Username", "guest");
    public string RabbitPassword { get; } = Env("RabbitMq__Password", "guest");

    public string PostgresFor(string database) =>
        new NpgsqlConnectionStringBuilder(Postgres) { Database = database, Pooling = true }.ConnectionString;

    /// <summary>The settings the Api under test gets (as host settings, so they beat appsettings.json).</summary>
    public Dictionary<string, string?> AppSettings(string database) => new()
    {
        ["ConnectionStrings:Postgres"] = PostgresFor(database),
        ["ConnectionStrings:Redis"] = Redis,
        ["RabbitMq:Host"] = RabbitHost,
        ["RabbitMq:Port"] = RabbitPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["RabbitMq:VirtualHost"] = RabbitVirtualHost,
        ["RabbitMq:Username"] = RabbitUsername,
        ["RabbitMq:Password"] = RabbitPassword,
        ["Jwt:SigningKey"] = JwtSigningKey,
        ["Offers:WarmUpFor"] = "00:00:00", // no Workers behind these tests
        ["Logging:LogLevel:Default"] = "Warning",
        ["Logging:LogLevel:MassTransit"] = "Warning"
    };

    static string Env(string name, string fallback) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : fallback;
}
