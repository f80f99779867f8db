extern alias workers;

using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SoukLoop.Persistence;
using SoukLoop.Persistence.Model;
using SoukLoop.ServiceDefaults;
using SoukLoop.Testing;

namespace SoukLoop.IntegrationTests;

/// <summary>
/// The whole system on real servers: a fresh Postgres database and a fresh RabbitMQ virtual host per fixture, the
/// Workers app as a real child process (so tests can kill and restart it) and the Api in-process.
/// </summary>
public class SystemFixture : IAsyncLifetime
{
    readonly string _id = Guid.NewGuid().ToString("N")[..12];
    Process? _workers;
    int _workersPort;
    WebApplicationFactory<Program>? _api;

    public string Database => $"souk_it_{_id}";
    public string VirtualHost => $"souk-it-{_id}";
    public string ConnectionString => TestEnvironment.DatabaseConnection(Database);
    protected virtual TimeSpan OfferExpiresAfter => TimeSpan.FromHours(1);
    public TimeSpan ExpiresAfter => OfferExpiresAfter;

    public HttpClient Client { get; private set; } = null!;

    /// <summary>Where the Workers process writes its console log (kept after the run for diagnosis).</summary>
    public string WorkersLog => Path.Combine(Path.GetTempPath(), $"souk-workers-{_id}.log");

    public virtual async Task InitializeAsync()
    {
        await ThrowAwayStore.CreateAsync(Database, VirtualHost);

        await StartWorkersAsync();

        _api = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Development");
            foreach (var (key, value) in Settings().Concat(ApiSettings()))
                b.UseSetting(key, value);
            if (ApiOnKestrel)
                b.UseSetting("Urls", "http://127.0.0.1:0"); // a free port, not appsettings.json's 5080
            b.ConfigureServices(ConfigureApiServices);
        });
        if (ApiOnKestrel)
        {
            _api.UseKestrel(0);
            _api.StartServer();
        }
        Client = _api.CreateClient();
        await WarmUpAsync();
    }

    /// <summary>One offer on an unknown product through the whole pipeline, so no test pays for start-up and JIT.</summary>
    async Task WarmUpAsync()
    {
        var user = await CreateUserAsync();
        for (var attempt = 0; attempt < 30; attempt++)
        {
            var (status, _) = await user.Send(HttpMethod.Post, "/api/v1/offers", new { product_id = Guid.NewGuid(), offered_price = 1m });
            if (status == HttpStatusCode.NotFound)
                return;
            await Task.Delay(500);
        }
        throw new TimeoutException("The offer pipeline did not answer during warm-up.");
    }

    public virtual async Task DisposeAsync()
    {
        StopWorkers();
        if (_api != null)
            await _api.DisposeAsync();
        await ThrowAwayStore.DropAsync(Database, VirtualHost);
    }

    protected IEnumerable<(string Key, string Value)> Settings()
    {
        yield return ("ConnectionStrings:Postgres", ConnectionString);
        yield return ("ConnectionStrings:Redis", TestEnvironment.Redis);
        yield return ("RabbitMq:Host", TestEnvironment.RabbitHost);
        yield return ("RabbitMq:Port", TestEnvironment.RabbitPort);
        yield return ("RabbitMq:VirtualHost", VirtualHost);
        yield return ("RabbitMq:Username", TestEnvironment.RabbitUser);
        yield return ("RabbitMq:Password", TestEnvironment.RabbitPassword);
        yield return ("Offers:ExpiresAfter", OfferExpiresAfter.ToString("c"));
        yield return ("Scheduler:PollInterval", "00:00:00.200");
        foreach (var setting in ExtraSettings())
            yield return setting;
    }

    /// <summary>Settings a derived fixture adds for both the Api and the Workers process.</summary>
    protected virtual IEnumerable<(string Key, string Value)> ExtraSettings() => [];

    static readonly TimeSpan WorkersStartTimeout = TimeSpan.FromSeconds(180);

    /// <summary>Extra settings for the in-process Api (e.g. Support:StuckGrace).</summary>
    protected virtual IEnumerable<(string Key, string Value)> ApiSettings() => [];

    /// <summary>Extra services for the in-process Api (e.g. an in-memory trace exporter).</summary>
    protected virtual void ConfigureApiServices(IServiceCollection services)
    {
    }

    /// <summary>Serve the Api on a real Kestrel socket (for a browser) instead of the in-memory TestServer.</summary>
    protected virtual bool ApiOnKestrel => false;

    /// <summary>The Api's base address (a real socket when <see cref="ApiOnKestrel"/>).</summary>
    public Uri ApiAddress => Client.BaseAddress!;

    /// <summary>The running Workers process's HTTP address (health, /metrics).</summary>
    public Uri WorkersAddress => new($"http://127.0.0.1:{_workersPort}");

    public static string WorkersDll => typeof(workers::SoukLoop.Workers.Offers.OfferStateMachine).Assembly.Location;

    /// <summary>The settings the Workers process gets (for running its command-line verbs too).</summary>
    public IEnumerable<(string Key, string Value)> WorkersSettings() => Settings();

    /// <summary>Starts the Workers app as its own process and waits until it reports ready; <paramref name="extraSettings"/> e.g. Scheduler:Enabled=false.</summary>
    public async Task StartWorkersAsync(IEnumerable<(string Key, string Value)>? extraSettings = null)
    {
        var workersDll = WorkersDll;
        _workersPort = ThrowAwayServices.FreePort();
        var start = new ProcessStartInfo("dotnet", [workersDll, "--urls", $"http://127.0.0.1:{_workersPort}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(workersDll)!,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["Logging__LogLevel__Default"] = "Information";
        foreach (var (key, value) in Settings().Concat(extraSettings ?? []))
            start.Environment[key.Replace(":", "__")] = value;

        _workers = Process.Start(start)!;
        var log = WorkersLog;
        _workers.OutputDataReceived += (_, e) => { if (e.Data != null) lock (log) File.AppendAllText(log, e.Data + Environment.NewLine); };
        _workers.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (log) File.AppendAllText(log, e.Data + Environment.NewLine); };
        _workers.BeginOutputReadLine();
        _workers.BeginErrorReadLine();

        using var http = new HttpClient();
        // Generous: on a loaded 2-core machine several fixtures start their Workers at once.
        var deadline = DateTime.UtcNow.Add(WorkersStartTimeout);
        while (DateTime.UtcNow < deadline)
        {
            if (_workers.HasExited)
                throw new InvalidOperationException($"The Workers process exited with code {_workers.ExitCode}.");
            try
            {
                var response = await http.GetAsync($"http://127.0.0.1:{_workersPort}/health/ready");
                if (response.StatusCode == HttpStatusCode.OK && await BusBoundAsync())
                    return;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"The Workers process did not become ready within {WorkersStartTimeout.TotalSeconds:0} s (log: {WorkersLog}).");
    }

    public bool WorkersRunning => _workers is { HasExited: false };

    /// <summary>CPU time the running Workers process has used so far (user + system), to tell idle from spinning.</summary>
    public TimeSpan WorkersCpuTime
    {
        get
        {
            var workers = _workers ?? throw new InvalidOperationException("The Workers process is not running.");
            workers.Refresh();
            return workers.TotalProcessorTime;
        }
    }

    /// <summary>Kills the Workers process outright, the way a crash would.</summary>
    public void KillWorkers()
    {
        if (_workers is { HasExited: false })
        {
            _workers.Kill(entireProcessTree: true);
            _workers.WaitForExit();
        }
    }

    void StopWorkers()
    {
        KillWorkers();
        _workers?.Dispose();
        _workers = null;
    }

    async Task<bool> BusBoundAsync()
    {
        // The saga's queue exists and has a consumer: the worker is consuming.
        using var http = ManagementClient();
        var response = await http.GetAsync($"/api/queues/{Uri.EscapeDataString(VirtualHost)}/offer-state");
        if (!response.IsSuccessStatusCode)
            return false;
        var body = await response.Content.ReadAsStringAsync();
        return body.Contains("\"consumers\":") && !body.Contains("\"consumers\":0");
    }

    public SoukDbContext NewDbContext() => ThrowAwayStore.NewDbContext(ConnectionString);

    public async Task<TestUser> CreateUserAsync(string role = Roles.User)
    {
        var user = new User
        {
            Id = Guid.NewGuid(),
            Email = $"{Guid.NewGuid():N}@example.test",
            PasswordHash = "not-used",
            DisplayName = "Test user",
            Role = role,
            CreatedAt = DateTime.UtcNow
        };
        await using var db = NewDbContext();
        db.Users.Add(user);
        await db.SaveChangesAsync();
        var token = _api!.Services.GetRequiredService<TokenService>().Issue(user.Id, role);
        return new TestUser(user.Id, token, this);
    }

    public async Task<Product> CreateProductAsync(TestUser seller, decimal price = 100m, string feed = Feeds.Community)
    {
        var product = new Product
        {
            Id = Guid.NewGuid(),
            SellerId = seller.Id,
            Title = "Vintage lamp",
            Price = price,
            Currency = "USD",
            Feed = feed,
            CreatedAt = DateTime.UtcNow,
            UpdatedAt = DateTime.UtcNow
        };
        await using var db = NewDbContext();
        db.Products.Add(product);
        await db.SaveChangesAsync();
        return product;
    }

    public async Task<IBusHandle> BusAsync() => await BusHandle.StartAsync(this);

    public HttpClient ManagementClient() => ThrowAwayStore.ManagementClient();

}

public record TestUser(Guid Id, string Token, SystemFixture System)
{
    public HttpRequestMessage Request(HttpMethod method, string path, object? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        if (body != null)
            request.Content = new StringContent(global::System.Text.Json.JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        return request;
    }
}
