using System.Net;
using SoukLoop.Api.Tests.Infrastructure;

namespace SoukLoop.Api.Tests.Auth;

[Collection(ApiCollection.Name)]
public class When_registering(ApiFixture api)
{
    readonly HttpClient _client = api.CreateClient();

    [Fact]
    public async Task Should_return_the_user_and_a_bearer_token()
    {
        var email = Users.NewEmail("Mixed.Case");
        var response = await _client.PostJsonAsync("auth/register",
            new { email, password = "password-123", display_name = "  Ann Seller  " });

        var body = await response.ShouldBeJsonAsync(HttpStatusCode.Created);
        Assert.Equal("/api/v1/users/me", response.Headers.Location?.OriginalString);
        Assert.Equal("Bearer", body.Str("token_type"));
        Assert.True(body.GetProperty("expires_in").GetInt32() > 0);
        var user = body.GetProperty("user");
        Assert.True(Guid.TryParse(user.Str("id"), out _));
        Assert.Equal(email.ToLowerInvariant(), user.Str("email"));
        Assert.Equal("Ann Seller", user.Str("display_name"));
        Assert.Equal("user", user.Str("role"));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, user.GetProperty("avatar_url").ValueKind);
        Assert.EndsWith("Z", user.Str("created_at"));

        var payload = Tokens.Payload(body.Str("access_token"));
        Assert.Equal(user.Str("id"), payload["sub"]!.GetValue<string>());
        Assert.Equal("user", payload["role"]!.GetValue<string>());
        Assert.False(payload.ContainsKey("email"), "no personal data in a token that travels in URLs");
        Assert.Equal(body.GetProperty("expires_in").GetInt32(),
            payload["exp"]!.GetValue<long>() - payload["iat"]!.GetValue<long>());
    }

    [Fact]
    public async Task Should_store_the_email_lower_cased_and_the_password_hashed()
    {
        var email = Users.NewEmail("UPPER");
        var user = await _client.RegisterAsync(email, "a secret password");

        var stored = await api.ScalarAsync<string>("SELECT email FROM users WHERE id = @id", ("id", user.Id));
        var hash = await api.ScalarAsync<string>("SELECT password_hash FROM users WHERE id = @id", ("id", user.Id));
        Assert.Equal(email.ToLowerInvariant(), stored);
        Assert.DoesNotContain("a secret password", hash);
        Assert.True(Convert.FromBase64String(hash!).Length > 32);
    }

    [Theory]
    [InlineData("same")]
    [InlineData("UPPER")]
    [InlineData("padded")]
    public async Task Should_refuse_an_email_that_is_taken_in_any_case(string variant)
    {
        var email = Users.NewEmail("taken");
        await _client.RegisterAsync(email);
        var again = variant switch
        {
            "UPPER" => email.ToUpperInvariant(),
            "padded" => $"  {email} ",
            _ => email
        };

        var response = await _client.PostJsonAsync("auth/register", new { email = again, password = "password-123", display_name = "Other" });

        await response.ShouldBeProblemAsync(HttpStatusCode.Conflict, "email_taken");
    }

    [Fact]
    public async Task Should_let_exactly_one_of_concurrent_registrations_of_an_email_win()
    {
        var email = Users.NewEmail("race");
        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => _client.PostJsonAsync("auth/register",
            new { email = i % 2 == 0 ? email : email.ToUpperInvariant(), password = "password-123", display_name = $"Racer {i}" })));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        foreach (var loser in responses.Where(r => r.StatusCode != HttpStatusCode.Created))
            await loser.ShouldBeProblemAsync(HttpStatusCode.Conflict, "email_taken");
    }

    [Theory]
    [InlineData("not-an-email", "password-123", "Ann", "email")]
    [InlineData("two@@example.com", "password-123", "Ann", "email")]
    [InlineData("Ann <ann@example.com>", "password-123", "Ann", "email")]
    [InlineData("ann@example", "password-123", "Ann", "email")]
    [InlineData("", "password-123", "Ann", "email")]
    [InlineData("ann@example.com", "short77", "Ann", "password")]
    [InlineData("ann@example.com", "password-123", "   ", "display_name")]
    public async Task Should_name_the_invalid_field(string email, string password, string displayName, string field)
    {
        var response = await _client.PostJsonAsync("auth/register", new { email, password, display_name = displayName });

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.NotEmpty(problem.ErrorsOf(field));
    }

    [Fact]
    public async Task Should_enforce_the_length_limits()
    {
        var response = await _client.PostJsonAsync("auth/register", new
        {
            email = new string('a', 310) + "@example.com",
            password = new string('p', 129),
            display_name = new string('d', 101)
        });

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.NotEmpty(problem.ErrorsOf("email"));
        Assert.NotEmpty(problem.ErrorsOf("password"));
        Assert.NotEmpty(problem.ErrorsOf("display_name"));
    }

    [Fact]
    public async Task Should_list_every_missing_field()
    {
        var response = await _client.PostRawAsync("/api/v1/auth/register", "{}");

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.NotEmpty(problem.ErrorsOf("email"));
        Assert.NotEmpty(problem.ErrorsOf("password"));
        Assert.NotEmpty(problem.ErrorsOf("display_name"));
    }
}
