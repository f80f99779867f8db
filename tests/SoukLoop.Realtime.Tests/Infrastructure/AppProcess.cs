using System.Diagnostics;
using System.Net;
using SoukLoop.Testing;

namespace SoukLoop.Realtime.Tests.Infrastructure;

/// <summary>
/// One app (Realtime or Workers) as a real child process on a free loopback port, started from this test output
/// folder with its settings as environment variables; its console goes to a log file kept after the run.
/// </summary>
public sealed class AppProcess : IAsyncDisposable
{
    readonly Process _process;
    readonly object _gate = new();

    AppProcess(string name, Process process, int port, string log)
    {
        Name = name;
        _process = process;
        Port = port;
        Log = log;
    }

    public string Name { get; }
    public int Port { get; }
    public string Log { get; }
    public string BaseUrl => $"http://127.0.0.1:{Port}";
    public bool HasExited => _process.HasExited;

    public static AppProcess Start(string name, string assemblyPath, IEnumerable<(string Key, string Value)> settings, string log)
    {
        var port = ThrowAwayServices.FreePort();
        var start = new ProcessStartInfo("dotnet", [assemblyPath, "--urls", $"http://127.0.0.1:{port}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(assemblyPath)!,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["DOTNET_gcServer"] = "0";
        foreach (var (key, value) in settings)
            start.Environment[key.Replace(":", "__")] = value;

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {name}.");
        var app = new AppProcess(name, process, port, log);
        process.OutputDataReceived += (_, e) => app.Append(e.Data);
        process.ErrorDataReceived += (_, e) => app.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return app;
    }

    void Append(string? line)
    {
        if (line == null)
            return;
        lock (_gate)
            File.AppendAllText(Log, line + Environment.NewLine);
    }

    /// <summary>Waits until /health/ready answers 200 and <paramref name="bound"/> says the app consumes its queues.</summary>
    public async Task WaitReadyAsync(Func<Task<bool>> bound, TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode}; see {Log}.");
            try
            {
                var response = await http.GetAsync($"{BaseUrl}/health/ready");
                if (response.StatusCode == HttpStatusCode.OK && await bound())
                    return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"{Name} did not become ready within {timeout.TotalSeconds:0} s; see {Log}.");
    }

    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}
