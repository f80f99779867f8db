using System.Globalization;
using Npgsql;

namespace SoukLoop.Realtime.Tests.Infrastructure;

/// <summary>
/// Where the real services are: the variables the apps read (scripts/test.sh exports them), defaulting to the test
/// profile of scripts/services.sh. Unreachable services fail the tests with a message; nothing is skipped.
/// </summary>
public static class TestEnvironment
{
    public static string Postgres => Env("ConnectionStrings__Postgres", "Host=127.0.0.1;Port=55442;Database=soukloop;Username=souk;Password=souk");
    public static string Redis => Env("ConnectionStrings__Redis", "127.0.0.1:56389");
    public static string RabbitHost => Env("RabbitMq__Host", "127.0.0.1");
    public static int RabbitPort => int.Parse(Env("RabbitMq__Port", "55682"), CultureInfo.InvariantCulture);
    public static int RabbitManagementPort => int.Parse(Env("RabbitMq__ManagementPort", "15682"), CultureInfo.InvariantCulture);
    public static string RabbitUser => Env("RabbitMq__Username", "guest");
    public static string RabbitPassword => Env("RabbitMq__Password", "guest");

    public static string DatabaseConnection(string database) =>
        new NpgsqlConnectionStringBuilder(Postgres) { Database = database, Pooling = true, MaxPoolSize = 30 }.ConnectionString;

    static string Env(string name, string fallback) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : fallback;
}
