using Microsoft.EntityFrameworkCore;
using SoukLoop.Persistence;

namespace SoukLoop.Workers;

/// <summary>The command-line verbs of the Workers app: `migrate` (used by the run command and compose).</summary>
public static class Commands
{
    public static async Task<int?> RunCommandAsync(this WebApplication app, string[] args)
    {
        if (args.Length == 0 || args[0].StartsWith('-'))
            return null;

        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("SoukLoop.Workers.Commands");
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SoukDbContext>();
        switch (args[0])
        {
            case "migrate":
                await db.Database.MigrateAsync();
                logger.LogInformation("Database migrated to {Migration}", (await db.Database.GetAppliedMigrationsAsync()).LastOrDefault());
                return 0;
            default:
                logger.LogError("Unknown command {Command}; known: migrate", args[0]);
                return 2;
        }
    }
}
