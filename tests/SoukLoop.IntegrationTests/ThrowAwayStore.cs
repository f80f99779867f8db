using Microsoft.EntityFrameworkCore;
using Npgsql;
using SoukLoop.Persistence;
using SoukLoop.Testing;

namespace SoukLoop.IntegrationTests;

/// <summary>A fresh, migrated Postgres database and a fresh RabbitMQ virtual host on the test servers, dropped afterwards.</summary>
public static class ThrowAwayStore
{
    public static async Task CreateAsync(string database, string virtualHost)
    {
        await using (var admin = new NpgsqlConnection(TestEnvironment.DatabaseConnection("postgres")))
        {
            try { await admin.OpenAsync(); }
            catch (Exception ex)
            {
                throw new InvalidOperationException($"Postgres is not reachable at '{TestEnvironment.Postgres}'. Run the tests with scripts/test.sh.", ex);
            }
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database}\"", admin);
            await create.ExecuteNonQueryAsync();
        }

        await using (var db = NewDbContext(TestEnvironment.DatabaseConnection(database)))
            await db.Database.MigrateAsync();

        using var http = ManagementClient();
        await http.RabbitManagementAsync(HttpMethod.Put, $"/api/vhosts/{Uri.EscapeDataString(virtualHost)}");
        await http.RabbitManagementAsync(HttpMethod.Put, $"/api/permissions/{Uri.EscapeDataString(virtualHost)}/{TestEnvironment.RabbitUser}",
            """{"configure":".*","write":".*","read":".*"}""");
    }

    public static async Task DropAsync(string database, string virtualHost)
    {
        NpgsqlConnection.ClearAllPools();
        await using (var admin = new NpgsqlConnection(TestEnvironment.DatabaseConnection("postgres")))
        {
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
        }
        using var http = ManagementClient();
        await http.RabbitManagementAsync(HttpMethod.Delete, $"/api/vhosts/{Uri.EscapeDataString(virtualHost)}");
    }

    public static SoukDbContext NewDbContext(string connectionString)
    {
        var options = new DbContextOptionsBuilder<SoukDbContext>();
        PersistenceExtensions.Configure(options, connectionString);
        return new SoukDbContext(options.Options);
    }

    public static HttpClient ManagementClient() => ThrowAwayServices.RabbitManagementClient(
        TestEnvironment.RabbitHost, TestEnvironment.RabbitManagementPort, TestEnvironment.RabbitUser, TestEnvironment.RabbitPassword);
}
