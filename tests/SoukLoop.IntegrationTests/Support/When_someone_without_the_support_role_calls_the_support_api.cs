using System.Net;

namespace SoukLoop.IntegrationTests.Support;

[Collection(SupportCollection.Name)]
public class When_someone_without_the_support_role_calls_the_support_api(SupportFixture system)
{
    static readonly Guid Any = Guid.NewGuid();

    public static TheoryData<string, string> Routes => new()
    {
        { "GET", "/api/v1/support/offers" },
        { "GET", "/api/v1/support/offers?stuck=true" },
        { "GET", $"/api/v1/support/offers/{Any}" },
        { "GET", "/api/v1/support/offers/state-machine" },
        { "GET", "/api/v1/support/offers/state-machine.svg" },
        { "GET", "/api/v1/support/state-machines" },
        { "GET", "/api/v1/support/state-machines/offer" },
        { "POST", $"/api/v1/support/offers/{Any}/expire" },
        { "POST", $"/api/v1/support/offers/{Any}/rearm" },
        { "POST", $"/api/v1/support/faults/{Any}/redrive" }
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Should_answer_an_anonymous_caller_404_not_found(string method, string path)
    {
        var (status, problem) = await system.Anonymous(new HttpMethod(method), path, method == "POST" ? new { reason = "curious" } : null);
        Assert.Equal((HttpStatusCode.NotFound, "not_found"), (status, problem.Code()));
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Should_answer_a_signed_in_user_without_the_role_404_not_found(string method, string path)
    {
        var user = await system.CreateUserAsync();
        var (status, problem) = await user.Send(new HttpMethod(method), path, method == "POST" ? new { reason = "curious" } : null);
        Assert.Equal((HttpStatusCode.NotFound, "not_found"), (status, problem.Code()));
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Should_answer_a_forged_token_404_not_found(string method, string path)
    {
        var (status, problem) = await system.Anonymous(new HttpMethod(method), path, null, "not.a.token");
        Assert.Equal((HttpStatusCode.NotFound, "not_found"), (status, problem.Code()));
    }

    [Fact]
    public async Task Should_answer_exactly_like_an_unknown_route_even_for_a_malformed_body()
    {
        var user = await system.CreateUserAsync();
        var request = user.Request(HttpMethod.Post, $"/api/v1/support/offers/{Any}/expire");
        request.Content = new StringContent("{not json", System.Text.Encoding.UTF8, "application/json");
        using var response = await system.Client.SendAsync(request);
        var hidden = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var (_, unknown) = await user.Send(HttpMethod.Post, "/api/v1/nothing-here/at-all");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.False(response.Headers.Contains("WWW-Authenticate"));
        Assert.Equal(unknown.GetProperty("title").GetString(), hidden.GetProperty("title").GetString());
        Assert.Equal(unknown.Code(), hidden.Code());
        Assert.StartsWith("Nothing is found at POST /api/v1/support/", hidden.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("DELETE", "/api/v1/support/offers")]
    [InlineData("PUT", "/api/v1/support/state-machines")]
    [InlineData("GET", "/api/v1/support/faults/00000000-0000-0000-0000-000000000001/redrive")]
    public async Task Should_not_give_a_route_away_by_its_methods(string method, string path)
    {
        var user = await system.CreateUserAsync();
        var (status, problem) = await user.Send(new HttpMethod(method), path);
        Assert.Equal((HttpStatusCode.NotFound, "not_found"), (status, problem.Code()));
        (status, problem) = await system.Anonymous(new HttpMethod(method), path);
        Assert.Equal((HttpStatusCode.NotFound, "not_found"), (status, problem.Code()));
    }

    [Fact]
    public async Task Should_let_the_support_role_in()
    {
        var support = await system.CreateSupportUserAsync();
        var (status, page) = await support.Get("/api/v1/support/offers");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1, page.GetProperty("page").GetInt32());
    }
}
