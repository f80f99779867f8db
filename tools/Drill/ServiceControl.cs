using System.Diagnostics;

namespace SoukLoop.Drill;

/// <summary>Stops and starts one of the drill's servers through scripts/services.sh (<c>--only</c>), as an operator would.</summary>
public sealed class ServiceControl(DrillOptions options, ILogger<ServiceControl> logger)
{
    public Task StopAsync(string server) => RunAsync("stop", server);
    public Task StartAsync(string server) => RunAsync("start", server);

    async Task RunAsync(string command, string server)
    {
        logger.LogWarning("services.sh {Command} {Server}", command, server);
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { options.ServicesScript, command, options.ServicesProfile, "--dir", options.ServicesDir, "--only", server })
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"services.sh {command} --only {server} failed ({process.ExitCode}): {await output}{await error}");
        logger.LogInformation("{Output}", (await output).Trim());
    }
}
