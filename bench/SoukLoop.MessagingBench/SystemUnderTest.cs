extern alias api;
extern alias workers;

using System.Diagnostics;
using System.Net;
using System.Text;
using Npgsql;
using SoukLoop.Testing;

namespace SoukLoop.MessagingBench;

/// <summary>
/// A throw-away copy of the system: a fresh database (migrated by the Workers' own `migrate` verb) and RabbitMQ virtual
/// host, the Workers and the Api as their own processes from this build, with the send rate limit lifted.
/// </summary>
public sealed class SystemUnderTest : IAsyncDisposable
{
    readonly BenchOptions _options;
    readonly string _id = Guid.NewGuid().ToString("N")[..10];
    readonly List<Process> _processes = [];

    public SystemUnderTest(BenchOptions options) => _options = options;

    public string Database => $"souk_bench_{_id}";
    public string VirtualHost => $"souk-bench-{_id}";
    public string ConnectionString => new NpgsqlConnectionStringBuilder(_options.Postgres) { Database = Database }.ConnectionString;
    public Uri ApiBase { get; private set; } = null!;

    static string ApiDll => typeof(api::SoukLoop.Api.ApiExtensions).Assembly.Location;
    static string WorkersDll => typeof(workers::SoukLoop.Workers.WorkersExtensions).Assembly.Location;

    public async Task StartAsync()
    {
        await using (var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_options.Postgres) { Database = "postgres" }.ConnectionString))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{Database}\"", admin);
            await create.ExecuteNonQueryAsync();
        }
        await Management(HttpMethod.Put, $"/api/vhosts/{Uri.EscapeDataString(VirtualHost)}");
        await Management(HttpMethod.Put, $"/api/permissions/{Uri.EscapeDataString(VirtualHost)}/{_options.RabbitUser}",
            """{"configure":".*","write":".*","read":".*"}""");

        using (var migrate = Start(WorkersDll, ["migrate"], "migrate"))
        {
            await migrate.WaitForExitAsync();
            if (migrate.ExitCode != 0)
                throw new InvalidOperationException($"migrate exited with {migrate.ExitCode}");
        }

        var workersPort = ThrowAwayServices.FreePort();
        _processes.Add(Start(WorkersDll, ["--urls", $"http://127.0.0.1:{workersPort}"], "workers"));
        var apiPort = ThrowAwayServices.FreePort();
        _processes.Add(Start(ApiDll, ["--urls", $"http://127.0.0.1:{apiPort}"], "api"));
        ApiBase = new Uri($"http://127.0.0.1:{apiPort}");
        await Ready(new Uri($"http://127.0.0.1:{workersPort}/health/ready"));
        await Ready(new Uri(ApiBase, "/health/ready"));
    }

    Process Start(string dll, string[] args, string name)
    {
        var start = new ProcessStartInfo("dotnet", [dll, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(dll)!
        };
        foreach (var (key, value) in Settings())
            start.Environment[key] = value;
        var process = Process.Start(start)!;
        var log = Path.Combine(Path.GetTempPath(), $"souk-bench-{_id}-{name}.log");
        process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (log) File.AppendAllText(log, e.Data + Environment.NewLine); };
        process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (log) File.AppendAllText(log, e.Data + Environment.NewLine); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    IEnumerable<(string, string)> Settings()
    {
        yield return ("ASPNETCORE_ENVIRONMENT", "Development");
        yield return ("Logging__LogLevel__Default", "Warning");
        yield return ("Logging__LogLevel__Microsoft.Hosting.Lifetime", "Information");
        yield return ("ConnectionStrings__Postgres", ConnectionString);
        yield return ("ConnectionStrings__Redis", _options.Redis);
        yield return ("RabbitMq__Host", _options.RabbitHost);
        yield return ("RabbitMq__Port", _options.RabbitPort);
        yield return ("RabbitMq__VirtualHost", VirtualHost);
        yield return ("RabbitMq__Username", _options.RabbitUser);
        yield return ("RabbitMq__Password", _options.RabbitPassword);
        // The bench measures the pipeline, not the per-user budget: lift it, and wait long enough that nothing answers 202.
        yield return ("Messages__SendsPerMinute", "100000000");
        yield return ("Messages__SendBurst", "100000000");
        yield return ("Messages__ResponseTimeout", "00:00:30");
    }

    async Task Ready(Uri health)
    {
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (_processes.FirstOrDefault(p => p.HasExited) is { } dead)
                throw new InvalidOperationException($"A process exited with {dead.ExitCode}; see {Path.GetTempPath()}souk-bench-{_id}-*.log");
            try
            {
                if ((await http.GetAsync(health)).StatusCode == HttpStatusCode.OK)
                    return;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"{health} did not become ready");
    }

    public async Task<long> CountMessagesAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM messages", connection);
        return (long)(await count.ExecuteScalarAsync())!;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync();
                }
            }
            catch (InvalidOperationException)
            {
            }
            process.Dispose();
        }
        NpgsqlConnection.ClearAllPools();
        try
        {
            await using var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_options.Postgres) { Database = "postgres" }.ConnectionString);
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Database}\" WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
            await Management(HttpMethod.Delete, $"/api/vhosts/{Uri.EscapeDataString(VirtualHost)}");
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"Cleanup failed: {ex.Message}");
        }
    }

    async Task Management(HttpMethod method, string path, string? json = null)
    {
        using var http = ThrowAwayServices.RabbitManagementClient(
            _options.RabbitHost, _options.RabbitManagementPort, _options.RabbitUser, _options.RabbitPassword);
        await http.RabbitManagementAsync(method, path, json);
    }
}
