using System.Diagnostics;

namespace SoukLoop.Drill;

/// <summary>One app of the system (Api, Workers, Realtime, the Stripe stand-in) run as its own process, as scripts/run.sh runs it.</summary>
public sealed class AppProcess(string name, string dll, string url, IReadOnlyDictionary<string, string> environment, string logFile,
    HttpClient http, ILogger logger)
{
    Process? _process;

    public string Name => name;
    public string Url => url;
    public int? Pid => _process is { HasExited: false } p ? p.Id : null;

    public void Start()
    {
        if (!File.Exists(dll))
            throw new InvalidOperationException($"{name}: {dll} not found (build first: scripts/drill.sh builds it)");
        // Started from its output folder (content root = appsettings*.json); --urls beats the appsettings 'Urls' (as run.sh).
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true
        };
        start.ArgumentList.Add(dll);
        if (name == "stripe")
            start.ArgumentList.Add("stripe");
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(url);
        start.Environment["ASPNETCORE_URLS"] = url;
        foreach (var (key, value) in environment)
            start.Environment[key] = value;
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{name}: could not start dotnet");
        var log = new StreamWriter(new FileStream(logFile, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        log.WriteLine($"---- {DateTime.UtcNow:O} drill started {name} (pid {process.Id})");
        process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (log) log.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (log) log.WriteLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        logger.LogInformation("started {App} (pid {Pid}) on {Url}", name, process.Id, url);
    }

    /// <summary>SIGKILL: no shutdown hook runs, in-flight work is cut off (a crash, an OOM kill).</summary>
    public void KillHard()
    {
        if (_process is not { HasExited: false } p)
            return;
        logger.LogWarning("kill -9 {App} (pid {Pid})", name, p.Id);
        p.Kill(entireProcessTree: false);
        p.WaitForExit(10_000);
    }

    /// <summary>SIGSTOP / SIGCONT: the process keeps its sockets but answers nothing (a long GC pause, a frozen VM).</summary>
    public Task PauseAsync() => SignalAsync("STOP");
    public Task ResumeAsync() => SignalAsync("CONT");

    async Task SignalAsync(string signal)
    {
        if (Pid is not { } pid)
            return;
        logger.LogWarning("kill -{Signal} {App} (pid {Pid})", signal, name, pid);
        using var kill = Process.Start("kill", [$"-{signal}", pid.ToString()]);
        await kill.WaitForExitAsync();
    }

    /// <summary>Graceful stop at the end (SIGTERM, as run.sh's Ctrl+C), SIGKILL after 30 s.</summary>
    public async Task StopAsync()
    {
        if (_process is not { HasExited: false } p)
            return;
        using (var resume = Process.Start("kill", ["-CONT", p.Id.ToString()]))
            await resume.WaitForExitAsync();
        using (var term = Process.Start("kill", ["-TERM", p.Id.ToString()]))
            await term.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await p.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill();
        }
    }

    public async Task<bool> ReadyAsync(CancellationToken ct)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            using var response = await http.GetAsync($"{url}/health/ready", timeout.Token);
            return response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return false;
        }
    }

    public async Task WaitReadyAsync(TimeSpan within, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        while (!await ReadyAsync(ct))
        {
            if (_process is { HasExited: true } p)
                throw new InvalidOperationException($"{name} exited with code {p.ExitCode} before it was ready (log: {logFile})");
            if (watch.Elapsed > within)
                throw new TimeoutException($"{name}: {url}/health/ready not 200 after {within.TotalSeconds:0} s (log: {logFile})");
            await Task.Delay(500, ct);
        }
    }
}

/// <summary>The system under drill: the Stripe stand-in and the three apps, with the settings scripts/run.sh gives them.</summary>
public sealed class AppProcesses : IAsyncDisposable
{
    public AppProcess Stripe { get; }
    public AppProcess Api { get; }
    public AppProcess Workers { get; }
    public AppProcess Realtime { get; }
    public IReadOnlyList<AppProcess> All => [Stripe, Api, Workers, Realtime];

    public AppProcesses(DrillOptions options, HttpClient http, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger("SoukLoop.Drill.Apps");
        Directory.CreateDirectory(options.LogDir);
        // The apps read the services from the environment scripts/drill.sh exported (services.sh env); these are the rest.
        var common = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["DOTNET_ENVIRONMENT"] = "Development",
            ["Offers__ExpiresAfter"] = options.OfferExpiresAfter.ToString("c"),
            // No Stripe key: the stand-in (docs/payments.md), as scripts/run.sh does.
            ["Stripe__StandInUrl"] = options.StripeUrl,
            ["StandIns__Stripe__WebhookUrl"] = $"{options.ApiUrl}/api/v1/webhooks/stripe",
            // Stripe keeps retrying a webhook for days; the stand-in's default (5 tries, 1 s apart) would give up during an Api outage.
            ["StandIns__Stripe__WebhookAttempts"] = "200",
            ["StandIns__Stripe__WebhookRetryDelay"] = "00:00:02"
        };
        AppProcess App(string name, string dll, string url) =>
            new(name, dll, url, common, Path.Combine(options.LogDir, $"{name}.log"), http, logger);
        Stripe = App("stripe", options.StandInsDll, options.StripeUrl);
        Api = App("api", options.ApiDll, options.ApiUrl);
        Workers = App("workers", options.WorkersDll, options.WorkersUrl);
        Realtime = App("realtime", options.RealtimeDll, options.RealtimeUrl);
    }

    public async Task StartAllAsync(CancellationToken ct)
    {
        foreach (var app in All)
            app.Start();
        await Task.WhenAll(All.Select(a => a.WaitReadyAsync(TimeSpan.FromMinutes(4), ct)));
    }

    public async ValueTask DisposeAsync() => await Task.WhenAll(All.Select(a => a.StopAsync()));
}
