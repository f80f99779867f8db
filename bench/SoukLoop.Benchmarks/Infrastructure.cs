using System.Net.Http.Headers;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using SoukLoop.Persistence;

namespace SoukLoop.Benchmarks;

/// <summary>
/// A fresh Postgres database (migrated) and a fresh RabbitMQ virtual host for one variant, created the way the
/// integration tests do it (CREATE DATABASE; the management API for the vhost) and dropped again on dispose.
/// </summary>
public sealed class Infrastructure : IAsyncDisposable
{
    readonly BenchEnvironment _env;
    bool _databaseCreated;
    bool _vhostCreated;

    Infrastructure(BenchEnvironment env, string name)
    {
        _env = env;
        Database = $"souk_bench_{name}";
        VirtualHost = $"souk-bench-{name.Replace('_', '-')}";
    }

    public string Database { get; }
    public string VirtualHost { get; }
    public string ConnectionString => _env.DatabaseConnection(Database);

    public static async Task<Infrastructure> CreateAsync(BenchEnvironment env, string name, CancellationToken cancellationToken)
    {
        var infrastructure = new Infrastructure(env, name);
        try
        {
            await infrastructure.CreateDatabaseAsync(cancellationToken);
            await infrastructure.CreateVirtualHostAsync(cancellationToken);
            return infrastructure;
        }
        catch
        {
            await infrastructure.DisposeAsync();
            throw;
        }
    }

    async Task CreateDatabaseAsync(CancellationToken cancellationToken)
    {
        await using (var admin = new NpgsqlConnection(_env.DatabaseConnection("postgres")))
        {
            try { await admin.OpenAsync(cancellationToken); }
            catch (Exception ex) when (ex is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException)
            {
                throw new BenchException($"Postgres is not reachable ({_env.Describe()}): {ex.Message}. Set ConnectionStrings__Postgres.");
            }
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{Database}\"", admin);
            await create.ExecuteNonQueryAsync(cancellationToken);
            _databaseCreated = true;
        }

        await using var db = NewDbContext();
        await db.Database.MigrateAsync(cancellationToken);
    }

    async Task CreateVirtualHostAsync(CancellationToken cancellationToken)
    {
        await ManagementAsync(HttpMethod.Put, $"/api/vhosts/{Uri.EscapeDataString(VirtualHost)}", null, cancellationToken);
        _vhostCreated = true;
        await ManagementAsync(HttpMethod.Put, $"/api/permissions/{Uri.EscapeDataString(VirtualHost)}/{Uri.EscapeDataString(_env.RabbitUser)}",
            """{"configure":".*","write":".*","read":".*"}""", cancellationToken);
    }

    public SoukDbContext NewDbContext()
    {
        var options = new DbContextOptionsBuilder<SoukDbContext>();
        PersistenceExtensions.Configure(options, ConnectionString);
        return new SoukDbContext(options.Options);
    }

    public async ValueTask DisposeAsync()
    {
        var problems = new List<string>();
        if (_databaseCreated)
        {
            try
            {
                NpgsqlConnection.ClearAllPools();
                await using var admin = new NpgsqlConnection(_env.DatabaseConnection("postgres"));
                await admin.OpenAsync();
                await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Database}\" WITH (FORCE)", admin);
                await drop.ExecuteNonQueryAsync();
                _databaseCreated = false;
            }
            catch (Exception ex)
            {
                problems.Add($"database {Database}: {ex.Message}");
            }
        }

        if (_vhostCreated)
        {
            try
            {
                await ManagementAsync(HttpMethod.Delete, $"/api/vhosts/{Uri.EscapeDataString(VirtualHost)}", null, CancellationToken.None);
                _vhostCreated = false;
            }
            catch (Exception ex)
            {
                problems.Add($"vhost {VirtualHost}: {ex.Message}");
            }
        }

        if (problems.Count > 0)
            Console.Error.WriteLine($"warning: clean-up incomplete: {string.Join("; ", problems)}");
    }

    async Task ManagementAsync(HttpMethod method, string path, string? json, CancellationToken cancellationToken)
    {
        using var http = new HttpClient
        {
            BaseAddress = new Uri($"http://{_env.RabbitHost}:{_env.RabbitManagementPort}"),
            Timeout = TimeSpan.FromSeconds(30)
        };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.ASCII.GetBytes($"{_env.RabbitUser}:{_env.RabbitPassword}")));
        using var request = new HttpRequestMessage(method, path);
        if (json != null)
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");

        HttpResponseMessage response;
        try { response = await http.SendAsync(request, cancellationToken); }
        catch (HttpRequestException ex)
        {
            throw new BenchException($"RabbitMQ management API is not reachable ({_env.Describe()}): {ex.Message}. Set RabbitMq__ManagementPort.");
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode && !(method == HttpMethod.Delete && response.StatusCode == System.Net.HttpStatusCode.NotFound))
                throw new BenchException($"RabbitMQ management {method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }
}

/// <summary>A setup problem the user can fix; printed without a stack trace.</summary>
public class BenchException(string message) : Exception(message);
