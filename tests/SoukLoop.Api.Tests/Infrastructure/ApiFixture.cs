using System.Net.Sockets;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using SoukLoop.Persistence;
using StackExchange.Redis;

namespace SoukLoop.Api.Tests.Infrastructure;

[CollectionDefinition(Name)]
public sealed class ApiCollection : ICollectionFixture<ApiFixture>
{
    public const string Name = "api";
}

/// <summary>
/// One fresh database per test run (soukloop_test_&lt;guid&gt;, created through the `postgres` maintenance database and
/// migrated), the Api on top of it, and the database dropped at the end. Unreachable services fail every test with a
/// message saying what is missing; nothing is skipped.
/// </summary>
public sealed class ApiFixture : IAsyncLifetime
{
    public TestSettings Settings { get; } = new();
    public string Database { get; } = $"soukloop_test_{Guid.NewGuid():N}";
    public ApiFactory Factory { get; private set; } = null!;

    public HttpClient CreateClient() => Factory.CreateClient();

    public async Task InitializeAsync()
    {
        await EnsureServicesReachableAsync();

        await using (var admin = new NpgsqlConnection(Settings.PostgresFor("postgres")))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{Database}\"", admin);
            await create.ExecuteNonQueryAsync();
        }
        await using (var db = CreateDbContext())
            await db.Database.MigrateAsync();

        Factory = new ApiFactory(Settings.AppSettings(Database));
        _ = Factory.Server; // start the host now, so a startup failure fails here with its own message
    }

    public async Task DisposeAsync()
    {
        if (Factory is not null)
            await Factory.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        try
        {
            await using var admin = new NpgsqlConnection(Settings.PostgresFor("postgres"));
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Database}\" WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
        }
        catch (NpgsqlException)
        {
            // Postgres went away: nothing left to drop.
        }
    }

    public SoukDbContext CreateDbContext()
    {
        var options = new DbContextOptionsBuilder<SoukDbContext>();
        PersistenceExtensions.Configure(options, Settings.PostgresFor(Database));
        return new SoukDbContext(options.Options);
    }

    /// <summary>Runs one SQL statement against this run's database (for arranging what the Api cannot, e.g. roles).</summary>
    public async Task<int> ExecuteSqlAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(Settings.PostgresFor(Database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value);
        return await command.ExecuteNonQueryAsync();
    }

    public async Task<T?> ScalarAsync<T>(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(Settings.PostgresFor(Database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value);
        var result = await command.ExecuteScalarAsync();
        return result is null or DBNull ? default : (T)result;
    }

    async Task EnsureServicesReachableAsync()
    {
        var problems = new List<string>();

        var postgres = new NpgsqlConnectionStringBuilder(Settings.PostgresFor("postgres")) { Timeout = 5 };
        try
        {
            await using var connection = new NpgsqlConnection(postgres.ConnectionString);
            await connection.OpenAsync();
        }
        catch (Exception ex)
        {
            problems.Add($"Postgres at {postgres.Host}:{postgres.Port} as '{postgres.Username}' (ConnectionStrings__Postgres): {ex.Message}");
        }

        try
        {
            var options = ConfigurationOptions.Parse(Settings.Redis);
            options.AbortOnConnectFail = true;
            options.ConnectTimeout = 5000;
            options.ConnectRetry = 1;
            await using var redis = await ConnectionMultiplexer.ConnectAsync(options);
            await redis.GetDatabase().PingAsync();
        }
        catch (Exception ex)
        {
            problems.Add($"Redis at {Settings.Redis} (ConnectionStrings__Redis): {ex.Message}");
        }

        try
        {
            using var tcp = new TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await tcp.ConnectAsync(Settings.RabbitHost, Settings.RabbitPort, timeout.Token);
        }
        catch (Exception ex)
        {
            problems.Add($"RabbitMQ at {Settings.RabbitHost}:{Settings.RabbitPort} (RabbitMq__Host, RabbitMq__Port): {ex.Message}");
        }

        if (problems.Count > 0)
            throw new InvalidOperationException(
                "The Api tests need running test services, and these are unreachable:\n  - " + string.Join("\n  - ", problems)
                + "\nStart them with `scripts/services.sh start test`, or point the variables above at running ones.");
    }
}
