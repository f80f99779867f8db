using Npgsql;

namespace SoukLoop.IntegrationTests;

/// <summary>The real servers the test command starts (scripts/test.sh exports these); defaults are its test profile.</summary>
public static class TestEnvironment
{
    public static string Postgres => Env("ConnectionStrings__Postgres", "Host=127.0.0.1;Port=55442;Database=soukloop;Username=souk;Password=souk");
    public static string Redis => Env("ConnectionStrings__Redis", "127.0.0.1:56389");
    public static string RabbitHost => Env("RabbitMq__Host", "127.0.0.1");
    public static string RabbitPort => Env("RabbitMq__Port", "55682");
    public static string RabbitManagementPort => Env("RabbitMq__ManagementPort", "15682");
    public static string RabbitUser => Env("RabbitMq__Username", "guest");
    public static string RabbitPassword => Env("RabbitMq__Password", "guest");

    /// <summary>A folder under the repository's git-ignored TestResults/ (screenshots, traces), created if missing.</summary>
    public static string ResultsFolder(string name)
    {
        var root = Directory.GetCurrentDirectory();
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SoukLoop.sln")))
            {
                root = dir.FullName;
                break;
            }
        var folder = Path.Combine(root, "TestResults", name);
        Directory.CreateDirectory(folder);
        return folder;
    }

    public static string DatabaseConnection(string database) =>
        new NpgsqlConnectionStringBuilder(Postgres) { Database = database, Pooling = true, MaxPoolSize = 50 }.ConnectionString;

    static string Env(string name, string fallback) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : fallback;
}
