using System.Net;
using SoukLoop.Api.Tests.Infrastructure;

namespace SoukLoop.Api.Tests.Auth;

[Collection(ApiCollection.Name)]
public class When_reading_the_signed_in_user(ApiFixture api)
{
    readonly HttpClient _client = api.CreateClient();

    [Fact]
    public async Task Should_return_the_user_of_the_token()
    {
        var user = await _client.RegisterAsync();

        var me = await (await _client.GetAsync("users/me", user.Token)).ShouldBeJsonAsync(HttpStatusCode.OK);

        Assert.Equal(user.Id.ToString(), me.Str("id"));
        Assert.Equal(user.Email, me.Str("email"));
        Assert.Equal("Test User", me.Str("display_name"));
        Assert.Equal("user", me.Str("role"));
        Assert.True(me.TryGetProperty("avatar_url", out _));
        Assert.True(DateTimeOffset.TryParse(me.Str("created_at"), out var created));
        Assert.Equal(TimeSpan.Zero, created.Offset);
        Assert.Equal(["avatar_url", "created_at", "display_name", "email", "id", "role"],
            me.EnumerateObject().Select(p => p.Name).Order().ToArray());
    }

    [Fact]
    public async Task Should_answer_401_without_a_token()
    {
        var response = await _client.GetAsync("users/me", token: null);

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
    }

    [Fact]
    public async Task Should_answer_401_for_an_expired_token()
    {
        var user = await _client.RegisterAsync();

        var response = await _client.GetAsync("users/me", Tokens.Expired(user.Id));

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Contains("expired", problem.Str("detail"), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Should_answer_401_for_a_token_signed_with_another_key()
    {
        var user = await _client.RegisterAsync();

        var response = await _client.GetAsync("users/me", Tokens.SignedWithAnotherKey(user.Id));

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task Should_answer_401_for_an_unsigned_alg_none_token()
    {
        var user = await _client.RegisterAsync();

        var response = await _client.GetAsync("users/me", Tokens.Unsigned(user.Id));

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task Should_answer_401_for_a_token_whose_payload_was_tampered_with()
    {
        var user = await _client.RegisterAsync();

        var response = await _client.GetAsync("users/me", Tokens.Tampered(user.Token));

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Theory]
    [InlineData("not-a-jwt")]
    [InlineData("a.b.c")]
    [InlineData("")]
    public async Task Should_answer_401_for_garbage(string token)
    {
        var request = Http.Request(HttpMethod.Get, "users/me", null, null, null);
        request.Headers.TryAddWithoutValidation("Authorization", $"Bearer {token}");

        var response = await _client.SendAsync(request);

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }
}

[Collection(ApiCollection.Name)]
public class When_an_authorization_policy_refuses(ApiFixture api)
{
    [Fact]
    public async Task Should_answer_403_forbidden_as_a_problem()
    {
        var client = api.CreateClient();
        var user = await client.RegisterAsync();

        var response = await client.GetAsync(ApiFactory.ForbidProbePath, user.Token);

        await response.ShouldBeProblemAsync(System.Net.HttpStatusCode.Forbidden, "forbidden");
    }
}
