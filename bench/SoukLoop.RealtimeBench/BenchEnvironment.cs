using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using SoukLoop.Persistence;
using SoukLoop.Persistence.Model;
using SoukLoop.ServiceDefaults;
using StackExchange.Redis;
using SoukLoop.Testing;

namespace SoukLoop.RealtimeBench;

public record BenchOptions(int Connections, int Watchers, int Events, int ConnectConcurrency, int SettleSeconds, int EventGapMilliseconds,
    string Gc, string? Output, int HoldSeconds)
{
    public static BenchOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
                throw new ArgumentException($"Unknown argument {args[i]}");
            values[args[i][2..]] = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : "true";
        }
        int Int(string name, int fallback) => values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        var options = new BenchOptions(
            Connections: Int("connections", 2000),
            Watchers: Int("watchers", 1000),
            Events: Int("events", 50),
            ConnectConcurrency: Int("concurrency", 20),
            SettleSeconds: Int("settle", 5),
            EventGapMilliseconds: Int("gap", 100),
            Gc: values.GetValueOrDefault("gc", "app"),
            Output: values.GetValueOrDefault("output"),
            HoldSeconds: Int("hold", 0));
        if (options.Gc is not ("app" or "server" or "workstation"))
            throw new ArgumentException("--gc is one of app (as the Realtime app is built), server, workstation.");
        if (options.Watchers > options.Connections)
            throw new ArgumentException("--watchers cannot exceed --connections.");
        return options;
    }
}

public static class BenchJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never
    };
}

public record Percentiles(int Count, double P50, double P90, double P99, double Max, double Mean)
{
    public override string ToString() => $"n={Count} p50={P50:0.0} ms p90={P90:0.0} ms p99={P99:0.0} ms max={Max:0.0} ms";
}

public static class Stats
{
    public static Percentiles Of(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0)
            return new Percentiles(0, 0, 0, 0, 0, 0);
        var sorted = values.OrderBy(v => v).ToArray();
        double At(double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new Percentiles(sorted.Length, Round(At(0.50)), Round(At(0.90)), Round(At(0.99)), Round(sorted[^1]), Round(sorted.Average()));
    }

    static double Round(double v) => Math.Round(v, 2);
}

public record NodeDiagnostics(int Connections, long WorkingSetBytes, long PrivateBytes, long GcHeapBytes, long GcHeapSizeBytes,
    long GcCommittedBytes, bool ServerGc, int ThreadCount)
{
    public override string ToString() =>
        $"{Connections} connections, working set {WorkingSetBytes / 1048576.0:0.0} MB, GC heap {GcHeapBytes / 1048576.0:0.0} MB " +
        $"(committed {GcCommittedBytes / 1048576.0:0.0} MB), {ThreadCount} threads";
}

/// <summary>The Realtime app as a child process with diagnostics on.</summary>
public sealed class RealtimeNode(Process process, int port, string log) : IAsyncDisposable
{
    public string BaseUrl => $"http://127.0.0.1:{port}";
    public int Pid => process.Id;
    public string Log => log;

    readonly HttpClient _http = new() { Timeout = TimeSpan.FromMinutes(2) };

    public async Task WaitReadyAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"Realtime exited with code {process.ExitCode}; see {log}.");
            try
            {
                if ((await _http.GetAsync($"{BaseUrl}/health/ready")).StatusCode == HttpStatusCode.OK)
                    return;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"Realtime did not become ready; see {log}.");
    }

    public async Task<NodeDiagnostics> DiagnosticsAsync(bool gc) =>
        (await _http.GetFromJsonAsync<NodeDiagnostics>($"{BaseUrl}/debug/realtime?gc={(gc ? "true" : "false")}", BenchJson.Options))!;

    public ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        process.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>A fresh database, RabbitMQ virtual host and Redis key/channel prefix for one run, all removed afterwards.</summary>
public sealed class BenchEnvironment : IAsyncDisposable
{
    readonly string _id = Guid.NewGuid().ToString("N")[..10];
    readonly string _signingKey = $"realtime-bench-{Guid.NewGuid():N}-{Guid.NewGuid():N}";
    ConnectionMultiplexer? _redis;

    string Database => $"souk_bench_{_id}";
    string VirtualHost => $"souk-bench-{_id}";
    string RedisPrefix => $"souk-bench-{_id}:";

    static string Postgres => Env("ConnectionStrings__Postgres", "Host=127.0.0.1;Port=55442;Database=soukloop;Username=souk;Password=souk");
    static string Redis => Env("ConnectionStrings__Redis", "127.0.0.1:56389");
    static string RabbitHost => Env("RabbitMq__Host", "127.0.0.1");
    static int RabbitPort => int.Parse(Env("RabbitMq__Port", "55682"), CultureInfo.InvariantCulture);
    static int RabbitManagementPort => int.Parse(Env("RabbitMq__ManagementPort", "15682"), CultureInfo.InvariantCulture);
    static string RabbitUser => Env("RabbitMq__Username", "guest");
    static string RabbitPassword => Env("RabbitMq__Password", "guest");

    static string Env(string name, string fallback) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : fallback;

    string Connection(string database) => new NpgsqlConnectionStringBuilder(Postgres) { Database = database }.ConnectionString;

    public static async Task<BenchEnvironment> CreateAsync()
    {
        var environment = new BenchEnvironment();
        await using (var admin = new NpgsqlConnection(environment.Connection("postgres")))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{environment.Database}\"", admin);
            await create.ExecuteNonQueryAsync();
        }
        await using (var db = environment.NewDbContext())
            await db.Database.MigrateAsync();
        environment._redis = await ConnectionMultiplexer.ConnectAsync(Redis);
        await environment.Management(HttpMethod.Put, $"/api/vhosts/{environment.VirtualHost}");
        await environment.Management(HttpMethod.Put, $"/api/permissions/{environment.VirtualHost}/{RabbitUser}",
            """{"configure":".*","write":".*","read":".*"}""");
        return environment;
    }

    SoukDbContext NewDbContext()
    {
        var options = new DbContextOptionsBuilder<SoukDbContext>();
        PersistenceExtensions.Configure(options, Connection(Database));
        return new SoukDbContext(options.Options);
    }

    public string TokenFor(Guid userId) =>
        new TokenService(new JwtOptions { SigningKey = _signingKey }, TimeProvider.System).Issue(userId, Roles.User);

    public async Task<Guid> CreateProductAsync(Guid sellerId)
    {
        await using var db = NewDbContext();
        db.Users.Add(new User { Id = sellerId, Email = $"{sellerId:N}@bench.test", PasswordHash = "-", DisplayName = "Bench seller", CreatedAt = DateTime.UtcNow });
        var product = new Product
        {
            Id = Guid.NewGuid(), SellerId = sellerId, Title = "Bench lamp", Price = 100m, CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow
        };
        db.Products.Add(product);
        await db.SaveChangesAsync();
        return product.Id;
    }

    public RealtimeNode StartRealtime(string assemblyPath, string gc)
    {
        var port = ThrowAwayServices.FreePort();
        var log = Path.Combine(Path.GetTempPath(), $"souk-bench-realtime-{_id}.log");
        var start = new ProcessStartInfo("dotnet", [assemblyPath, "--urls", $"http://127.0.0.1:{port}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(assemblyPath)!
        };
        var settings = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ConnectionStrings__Postgres"] = Connection(Database),
            ["ConnectionStrings__Redis"] = Redis,
            ["RabbitMq__Host"] = RabbitHost,
            ["RabbitMq__Port"] = RabbitPort.ToString(CultureInfo.InvariantCulture),
            ["RabbitMq__VirtualHost"] = VirtualHost,
            ["RabbitMq__Username"] = RabbitUser,
            ["RabbitMq__Password"] = RabbitPassword,
            ["Jwt__SigningKey"] = _signingKey,
            ["Realtime__RedisKeyPrefix"] = RedisPrefix,
            ["Realtime__BackplaneChannelPrefix"] = $"souk-bench-{_id}",
            ["Realtime__Diagnostics"] = "true",
            // Idle connections send no heartbeat: keep the sweeper from turning the idle phase into a presence storm.
            ["Realtime__PresenceTimeout"] = "01:00:00",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information"
        };
        if (gc != "app")
            settings["DOTNET_gcServer"] = gc == "server" ? "1" : "0";
        foreach (var (key, value) in settings)
            start.Environment[key] = value;
        var process = Process.Start(start)!;
        var gate = new object();
        void Append(string? line)
        {
            if (line != null)
                lock (gate)
                    File.AppendAllText(log, line + Environment.NewLine);
        }
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new RealtimeNode(process, port, log);
    }

    public IBusControl CreateBus() => Bus.Factory.CreateUsingRabbitMq(cfg =>
        cfg.Host(RabbitHost, (ushort)RabbitPort, VirtualHost, h =>
        {
            h.Username(RabbitUser);
            h.Password(RabbitPassword);
        }));

    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory != null && !File.Exists(Path.Combine(directory.FullName, "SoukLoop.sln")))
            directory = directory.Parent;
        return directory?.FullName ?? Directory.GetCurrentDirectory();
    }

    public async ValueTask DisposeAsync()
    {
        if (_redis != null)
        {
            foreach (var endpoint in _redis.GetEndPoints())
            {
                var keys = new List<RedisKey>();
                await foreach (var key in _redis.GetServer(endpoint).KeysAsync(pattern: RedisPrefix + "*"))
                    keys.Add(key);
                if (keys.Count > 0)
                    await _redis.GetDatabase().KeyDeleteAsync([.. keys]);
            }
            await _redis.DisposeAsync();
        }
        NpgsqlConnection.ClearAllPools();
        await using (var admin = new NpgsqlConnection(Connection("postgres")))
        {
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Database}\" WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
        }
        await Management(HttpMethod.Delete, $"/api/vhosts/{VirtualHost}");
    }

    async Task Management(HttpMethod method, string path, string? json = null)
    {
        using var http = ThrowAwayServices.RabbitManagementClient(RabbitHost, RabbitManagementPort.ToString(CultureInfo.InvariantCulture), RabbitUser, RabbitPassword);
        await http.RabbitManagementAsync(method, path, json);
    }
}
