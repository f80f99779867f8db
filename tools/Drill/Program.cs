using Microsoft.Extensions.Options;
using Npgsql;
using SoukLoop.Drill;

// The fault drill of issue 12 (docs/operations.md "Fault drill"): run through scripts/drill.sh, which starts the services, builds,
// migrates and passes the paths. Exit code 0: nothing lost, nothing doubled, every invariant holds; 1 otherwise; 2: the drill broke.
var builder = Host.CreateApplicationBuilder(args);
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(o =>
{
    o.SingleLine = true;
    o.TimestampFormat = "HH:mm:ss ";
});
builder.Logging.SetMinimumLevel(LogLevel.Information);
builder.Logging.AddFilter("System.Net.Http", LogLevel.Warning);
builder.Services.Configure<DrillOptions>(builder.Configuration.GetSection(DrillOptions.Section));
builder.Services.AddSingleton(sp => sp.GetRequiredService<IOptions<DrillOptions>>().Value);
builder.Services.AddSingleton(_ => new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromSeconds(30), MaxConnectionsPerServer = 256 })
    { Timeout = Timeout.InfiniteTimeSpan });
builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(builder.Configuration.GetConnectionString("Postgres")
                                                            ?? throw new InvalidOperationException("ConnectionStrings:Postgres is not set (scripts/drill.sh sets it)")));
builder.Services.AddSingleton<CommandLedger>();
builder.Services.AddSingleton<ApiClient>();
builder.Services.AddSingleton<AppProcesses>();
builder.Services.AddSingleton<ServiceControl>();
builder.Services.AddSingleton<Scenario>();
builder.Services.AddSingleton<Probe>();
builder.Services.AddSingleton<FaultInjector>();
builder.Services.AddSingleton<Checks>();
using var host = builder.Build();

var services = host.Services;
var options = services.GetRequiredService<DrillOptions>();
var log = services.GetRequiredService<ILoggerFactory>().CreateLogger("SoukLoop.Drill");
var apps = services.GetRequiredService<AppProcesses>();
var scenario = services.GetRequiredService<Scenario>();
var ledger = services.GetRequiredService<CommandLedger>();
var started = DateTime.UtcNow;
using var abort = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    abort.Cancel();
};

try
{
    log.LogInformation("starting the system: Api {Api}, Realtime {Realtime}, Workers {Workers}, Stripe stand-in {Stripe}; Offers:ExpiresAfter {Expiry}",
        options.ApiUrl, options.RealtimeUrl, options.WorkersUrl, options.StripeUrl, options.OfferExpiresAfter);
    await apps.StartAllAsync(abort.Token);

    var probe = services.GetRequiredService<Probe>();
    await probe.InitAsync(scenario, abort.Token);
    log.LogInformation("registering {Sellers} sellers with {Buyers} buyers each, every one with a SignalR connection", options.Sellers,
        options.BuyersPerProduct);
    var teams = await Task.WhenAll(Enumerable.Range(0, options.Sellers).Select(async _ =>
    {
        var seller = await scenario.RegisterAsync("seller", withHub: true, abort.Token);
        var buyers = await Task.WhenAll(Enumerable.Range(0, options.BuyersPerProduct).Select(_ => scenario.RegisterAsync("buyer", withHub: true, abort.Token)));
        return (seller, buyers);
    }));

    // Load for at least Duration; the faults run meanwhile, one after another.
    var loadStarted = DateTime.UtcNow;
    using var stopLoad = CancellationTokenSource.CreateLinkedTokenSource(abort.Token);
    using var abandonSteps = CancellationTokenSource.CreateLinkedTokenSource(abort.Token);
    var load = teams.Select(t => Task.Run(() => scenario.RunSellerAsync(t.seller, t.buyers, stopLoad.Token, abandonSteps.Token))).ToArray();
    var baseline = new FaultResult { Name = "none", What = "(before the first fault)", InjectedAt = loadStarted };
    var faults = await services.GetRequiredService<FaultInjector>().RunAsync(loadStarted, abort.Token);
    var rest = loadStarted + options.Duration - DateTime.UtcNow;
    if (rest > TimeSpan.Zero)
        await Task.Delay(rest, abort.Token);
    log.LogInformation("stopping the load; clients finish the step under way (at most {StopWithin})", options.StopWithin);
    await stopLoad.CancelAsync();
    // Every wait of a step takes this token: past StopWithin the steps still under way are cancelled, not awaited forever.
    abandonSteps.CancelAfter(options.StopWithin);
    var stopping = Task.WhenAll(load);
    try
    {
        // The last resort if some wait ignored the token: the drill goes on to its checks and says so.
        await stopping.WaitAsync(options.StopWithin + TimeSpan.FromSeconds(30), abort.Token);
    }
    catch (TimeoutException)
    {
        log.LogError("{Running} of {Clients} sellers' clients did not stop within {StopWithin} after their steps were cancelled; checking without them",
            load.Count(t => !t.IsCompleted), load.Length, options.StopWithin);
    }
    if (abandonSteps.IsCancellationRequested)
        log.LogWarning("steps still under way after {StopWithin} were cancelled: {Abandoned} deals", options.StopWithin, scenario.Stats.DealsCancelled);

    // Drain: 202s applied, outbox sent; then the final verdict.
    var checks = services.GetRequiredService<Checks>();
    var drainUntil = DateTime.UtcNow + options.Drain;
    CheckResult result;
    while (!(result = await checks.RunAsync(final: false, abort.Token)).Clean && DateTime.UtcNow < drainUntil)
    {
        log.LogInformation("draining: {Lost} not applied yet, {Doubled} doubled, {Violations} invariant breaks; checking again in 10 s",
            result.Lost, result.Doubled, result.Violations.Count);
        await Task.Delay(TimeSpan.FromSeconds(10), abort.Token);
    }
    result = await checks.RunAsync(final: true, abort.Token);

    var records = ledger.All;
    Report.Attribute(records, faults, baseline);
    Console.WriteLine(Report.Table(baseline, faults, result, scenario.Stats, records));
    var path = await Report.SaveAsync(options, started, baseline, faults, result, scenario.Stats, records);
    log.LogInformation("result saved to {Path}; app logs in {Logs}", path, options.LogDir);
    return result.Clean ? 0 : 1;
}
catch (Exception ex) when (ex is not OperationCanceledException || !abort.IsCancellationRequested)
{
    log.LogError(ex, "the drill itself failed (not a verdict on the system)");
    return 2;
}
finally
{
    // A connection that does not close (a reconnect or resync under way) must not hold the shutdown: bounded, logged.
    var closing = scenario.Users.Where(u => u.Hub != null).Select(u => u.Hub!.DisposeAsync().AsTask()).ToArray();
    try
    {
        await Task.WhenAll(closing).WaitAsync(TimeSpan.FromSeconds(30));
    }
    catch (TimeoutException)
    {
        log.LogWarning("{Open} of {Hubs} hub connections did not close within 30 s; stopping the apps anyway", closing.Count(t => !t.IsCompleted),
            closing.Length);
    }
    await apps.DisposeAsync();
}
