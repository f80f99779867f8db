using System.Net.Mail;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using SoukLoop.Persistence;
using SoukLoop.Persistence.Model;

namespace SoukLoop.Workers;

/// <summary>
/// The command-line verbs of the Workers app: `migrate` (used by the run command and compose) and
/// `create-support-user &lt;email&gt; &lt;password&gt; &lt;display-name&gt;` (docs/support.md).
/// </summary>
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
            case "create-support-user":
                return await CreateSupportUserAsync(db, logger, args[1..]);
            default:
                logger.LogError("Unknown command {Command}; known: migrate, create-support-user", args[0]);
                return 2;
        }
    }

    /// <summary>
    /// Creates a support account that signs in through POST /api/v1/auth/login, or promotes the existing account with
    /// that email to support and sets its password and display name. The password is hashed with ASP.NET Core
    /// Identity's <see cref="PasswordHasher{TUser}"/> (default options), exactly as the Api's PasswordService does.
    /// </summary>
    static async Task<int> CreateSupportUserAsync(SoukDbContext db, ILogger logger, string[] args)
    {
        if (args.Length != 3)
        {
            logger.LogError("usage: create-support-user <email> <password> <display-name>");
            return 2;
        }

        // The Api's rules: email trimmed and lower-cased, a plain address; password 8–128 characters; name 1–100.
        var email = args[0].Trim().ToLowerInvariant();
        var password = args[1];
        var displayName = args[2].Trim();
        var problems = new List<string>();
        if (email.Length is 0 or > 320 || !MailAddress.TryCreate(email, out var address) || address.Address != email || !email[(email.LastIndexOf('@') + 1)..].Contains('.'))
            problems.Add("email must be a plain address (name@example.com)");
        if (password.Length is < 8 or > 128)
            problems.Add("password must be 8 to 128 characters long");
        if (displayName.Length is 0 or > 100)
            problems.Add("display name must be 1 to 100 characters long");
        if (problems.Count > 0)
        {
            logger.LogError("create-support-user: {Problems}", string.Join("; ", problems));
            return 2;
        }

        var hasher = new PasswordHasher<User>();
        var user = await db.Users.SingleOrDefaultAsync(u => u.Email == email);
        var created = user == null;
        if (user == null)
        {
            user = new User
            {
                Id = Guid.CreateVersion7(),
                Email = email,
                DisplayName = displayName,
                PasswordHash = "",
                CreatedAt = DateTime.UtcNow
            };
            db.Users.Add(user);
        }
        user.Role = Roles.Support;
        user.DisplayName = displayName;
        user.PasswordHash = hasher.HashPassword(user, password);
        await db.SaveChangesAsync();

        logger.LogInformation(created ? "Created support user {Email} ({UserId})" : "Promoted {Email} ({UserId}) to support and set its password",
            email, user.Id);
        Console.Out.WriteLine(user.Id);
        return 0;
    }
}
