using System.Diagnostics;
using System.Net;
using Microsoft.EntityFrameworkCore;
using SoukLoop.Persistence.Model;

namespace SoukLoop.IntegrationTests.Support;

[Collection(SupportCollection.Name)]
public class When_creating_the_first_support_account(SupportFixture system)
{
    [Fact]
    public async Task Should_create_an_account_that_signs_in_and_sees_the_support_api()
    {
        var email = $"Support-{Guid.NewGuid():N}@Example.test";
        var (exit, output) = await system.RunWorkersCommandAsync("create-support-user", email, "correct horse battery", "Support Desk");
        Assert.True(exit == 0, output);

        var (status, login) = await system.Anonymous(HttpMethod.Post, "/api/v1/auth/login", new { email, password = "correct horse battery" });
        Assert.True(status == HttpStatusCode.OK, $"{(int)status} {login}");
        Assert.Equal("support", login.GetProperty("user").Str("role"));
        Assert.Equal(email.ToLowerInvariant(), login.GetProperty("user").Str("email"));

        (status, _) = await system.Anonymous(HttpMethod.Get, "/api/v1/support/offers", null, login.Str("access_token"));
        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task Should_promote_an_existing_user()
    {
        var email = $"{Guid.NewGuid():N}@example.test";
        var (status, registered) = await system.Anonymous(HttpMethod.Post, "/api/v1/auth/register",
            new { email, password = "first password", display_name = "Ada" });
        Assert.Equal(HttpStatusCode.Created, status);

        var (exit, output) = await system.RunWorkersCommandAsync("create-support-user", email, "second password", "Ada (support)");
        Assert.True(exit == 0, output);

        await using var db = system.NewDbContext();
        var user = await db.Users.AsNoTracking().SingleAsync(u => u.Email == email);
        Assert.Equal((registered.GetProperty("user").GetProperty("id").GetGuid(), Roles.Support, "Ada (support)"), (user.Id, user.Role, user.DisplayName));
        (status, _) = await system.Anonymous(HttpMethod.Post, "/api/v1/auth/login", new { email, password = "second password" });
        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Theory]
    [InlineData("not-an-email", "long enough", "Name")]
    [InlineData("a@example.test", "short", "Name")]
    [InlineData("a@example.test", "long enough", " ")]
    public async Task Should_refuse_bad_arguments_with_exit_code_2(string email, string password, string name)
    {
        var (exit, output) = await system.RunWorkersCommandAsync("create-support-user", email, password, name);
        Assert.True(exit == 2, output);
        (exit, output) = await system.RunWorkersCommandAsync("create-support-user", email);
        Assert.True(exit == 2, output);
    }
}

public static class WorkersCommands
{
    /// <summary>Runs <c>dotnet SoukLoop.Workers.dll &lt;args&gt;</c> against the fixture's database, as an operator would.</summary>
    public static async Task<(int ExitCode, string Output)> RunWorkersCommandAsync(this SystemFixture system, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet", [SystemFixture.WorkersDll, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(SystemFixture.WorkersDll)!
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        foreach (var (key, value) in system.WorkersSettings())
            start.Environment[key.Replace(":", "__")] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        // Generous: a start-up of the Workers app on a loaded 2-core machine.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(180));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet SoukLoop.Workers.dll {args[0]} did not finish within 180 s: {await stdout}{await stderr}");
        }
        return (process.ExitCode, await stdout + await stderr);
    }
}
