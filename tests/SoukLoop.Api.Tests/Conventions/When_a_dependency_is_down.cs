using System.Net;
using SoukLoop.Api.Tests.Infrastructure;

namespace SoukLoop.Api.Tests.Conventions;

/// <summary>The Api pointed at a Postgres that is not there: 503 dependency_unavailable, never a 500.</summary>
[Collection(ApiCollection.Name)]
public sealed class When_the_database_is_down(ApiFixture api) : IAsyncLifetime
{
    ApiFactory _factory = null!;

    public Task InitializeAsync()
    {
        var settings = api.Settings.AppSettings(api.Database);
        settings["ConnectionStrings:Postgres"] = "Host=127.0.0.1;Port=1;Database=nowhere;Username=souk;Password=souk;Timeout=3";
        _factory = new ApiFactory(settings);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task Should_answer_503_dependency_unavailable_to_a_login()
    {
        var response = await _factory.CreateClient().PostJsonAsync("auth/login", new { email = "a@example.com", password = "password-123" });

        await response.ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable, "dependency_unavailable");
        Assert.NotNull(response.Headers.RetryAfter);
    }

    [Fact]
    public async Task Should_answer_503_dependency_unavailable_to_an_authenticated_read()
    {
        var token = Tokens.Valid(Guid.NewGuid());

        var response = await _factory.CreateClient().GetAsync("users/me", token);

        await response.ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable, "dependency_unavailable");
    }

    [Fact]
    public async Task Should_answer_503_dependency_unavailable_to_an_idempotent_post()
    {
        var token = Tokens.Valid(Guid.NewGuid());

        var response = await _factory.CreateClient().PostJsonAsync("products",
            new { title = "Chair", price = 40, feed = "discover" }, token, idempotencyKey: "k-1");

        await response.ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable, "dependency_unavailable");
    }
}

[Collection(ApiCollection.Name)]
public class When_checking_readiness(ApiFixture api)
{
    [Fact]
    public async Task Should_report_postgres_redis_and_the_broker_healthy()
    {
        var client = api.CreateClient();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        string body;
        HttpResponseMessage response;
        do
        {
            response = await client.GetAsync("/health/ready", token: null);
            body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.OK)
                break;
            await Task.Delay(500);
        } while (DateTime.UtcNow < deadline);

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"Not ready after 60 s: {body}");
        Assert.Contains("postgres", body);
        Assert.Contains("redis", body);
        Assert.Contains("masstransit", body);
    }
}

[Collection(ApiCollection.Name)]
public sealed class When_running_in_development(ApiFixture api) : IAsyncLifetime
{
    ApiFactory _factory = null!;

    public Task InitializeAsync()
    {
        _factory = new ApiFactory(api.Settings.AppSettings(api.Database), "Development");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task Should_serve_the_openapi_document_in_snake_case()
    {
        var response = await _factory.CreateClient().GetAsync("/openapi/v1.json", token: null);

        var document = await response.ShouldBeJsonAsync(HttpStatusCode.OK);
        var paths = document.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/api/v1/auth/register", out _));
        Assert.True(paths.TryGetProperty("/api/v1/products", out var products));
        Assert.Contains(products.GetProperty("post").GetProperty("parameters").EnumerateArray(),
            p => p.Str("name") == "Idempotency-Key");
        var schema = document.GetProperty("components").GetProperty("schemas").GetProperty("CreateProductRequest");
        Assert.True(schema.GetProperty("properties").TryGetProperty("image_urls", out _));
    }

    [Fact]
    public async Task Should_serve_the_scalar_ui()
    {
        var response = await _factory.CreateClient().GetAsync("/scalar/v1", token: null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
