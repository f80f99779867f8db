using System.Net;
using SoukLoop.Api.Tests.Infrastructure;

namespace SoukLoop.Api.Tests.Auth;

[Collection(ApiCollection.Name)]
public class When_logging_in(ApiFixture api)
{
    readonly HttpClient _client = api.CreateClient();

    [Fact]
    public async Task Should_return_the_user_and_a_token_that_works()
    {
        var user = await _client.RegisterAsync();

        var body = await _client.LoginAsync(user.Email, user.Password);

        Assert.Equal("Bearer", body.Str("token_type"));
        Assert.True(body.GetProperty("expires_in").GetInt32() > 0);
        Assert.Equal(user.Id.ToString(), body.GetProperty("user").Str("id"));
        var me = await (await _client.GetAsync("users/me", body.Str("access_token"))).ShouldBeJsonAsync(HttpStatusCode.OK);
        Assert.Equal(user.Email, me.Str("email"));
    }

    [Fact]
    public async Task Should_accept_the_email_in_any_case()
    {
        var user = await _client.RegisterAsync();

        var body = await _client.LoginAsync($" {user.Email.ToUpperInvariant()} ", user.Password);

        Assert.Equal(user.Id.ToString(), body.GetProperty("user").Str("id"));
    }

    [Fact]
    public async Task Should_refuse_a_wrong_password_exactly_like_an_unknown_email()
    {
        var user = await _client.RegisterAsync();

        var wrongPassword = await (await _client.PostJsonAsync("auth/login", new { email = user.Email, password = "not the password" }))
            .ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        var unknownEmail = await (await _client.PostJsonAsync("auth/login", new { email = Users.NewEmail("nobody"), password = "not the password" }))
            .ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");

        Assert.Equal(wrongPassword.Str("detail"), unknownEmail.Str("detail"));
        Assert.Equal(wrongPassword.Str("title"), unknownEmail.Str("title"));
    }

    [Fact]
    public async Task Should_ask_for_missing_fields()
    {
        var response = await _client.PostJsonAsync("auth/login", new { email = "" });

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.NotEmpty(problem.ErrorsOf("email"));
        Assert.NotEmpty(problem.ErrorsOf("password"));
    }

    [Fact]
    public async Task Should_put_the_support_role_into_the_token_of_a_support_user()
    {
        var user = await _client.RegisterAsync();
        Assert.Equal("user", Tokens.Payload(user.Token)["role"]!.GetValue<string>());
        await api.ExecuteSqlAsync("UPDATE users SET role = 'support' WHERE id = @id", ("id", user.Id));

        var body = await _client.LoginAsync(user.Email, user.Password);

        Assert.Equal("support", Tokens.Payload(body.Str("access_token"))["role"]!.GetValue<string>());
        Assert.Equal("support", body.GetProperty("user").Str("role"));
        var me = await (await _client.GetAsync("users/me", body.Str("access_token"))).ShouldBeJsonAsync(HttpStatusCode.OK);
        Assert.Equal("support", me.Str("role"));
    }
}
