using System.Net;
using System.Text.Json;

namespace SoukLoop.Api.Tests.Infrastructure;

public sealed record TestUser(Guid Id, string Email, string Password, string Token);

public static class Users
{
    public const string Password = "correct horse battery";

    public static string NewEmail(string prefix = "user") => $"{prefix}-{Guid.NewGuid():N}@example.com";

    public static async Task<TestUser> RegisterAsync(this HttpClient client, string? email = null, string password = Password)
    {
        email ??= NewEmail();
        var response = await client.PostJsonAsync("auth/register", new { email, password, display_name = "Test User" });
        var body = await response.ShouldBeJsonAsync(HttpStatusCode.Created);
        return new(Guid.Parse(body.GetProperty("user").Str("id")), email, password, body.Str("access_token"));
    }

    public static async Task<JsonElement> LoginAsync(this HttpClient client, string email, string password)
    {
        var response = await client.PostJsonAsync("auth/login", new { email, password });
        return await response.ShouldBeJsonAsync(HttpStatusCode.OK);
    }
}
