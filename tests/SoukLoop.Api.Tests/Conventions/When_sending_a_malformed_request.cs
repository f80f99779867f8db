using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using SoukLoop.Api.Tests.Infrastructure;

namespace SoukLoop.Api.Tests.Conventions;

/// <summary>Nothing a client sends may produce a 500: every rejection is problem+json with a stable code.</summary>
[Collection(ApiCollection.Name)]
public class When_sending_a_malformed_request(ApiFixture api)
{
    const int Limit = 64 * 1024;
    readonly HttpClient _client = api.CreateClient();

    [Theory]
    [InlineData("""{"title": "Chair", "price": 40,""")]
    [InlineData("""{"title": 'Chair'}""")]
    [InlineData("""not json at all""")]
    [InlineData("""[]""")]
    [InlineData("""{"title": "Chair", "price": 40} trailing""")]
    public async Task Should_answer_invalid_json_for_broken_json(string body)
    {
        var seller = await _client.RegisterAsync();

        var response = await _client.PostRawAsync("/api/v1/products", body, seller.Token);

        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "invalid_json");
    }

    [Theory]
    [InlineData("""{"title":"Chair","price":"abc","feed":"discover"}""", "price")]
    [InlineData("""{"title":"Chair","price":"12.50","feed":"discover"}""", "price")]
    [InlineData("""{"title":"Chair","price":40,"feed":5}""", "feed")]
    [InlineData("""{"title":["Chair"],"price":40,"feed":"discover"}""", "title")]
    [InlineData("""{"title":"Chair","price":40,"feed":"discover","image_urls":"https://img.example.com/a.jpg"}""", "image_urls")]
    [InlineData("""{"title":"Chair","price":1e999,"feed":"discover"}""", "price")]
    public async Task Should_answer_invalid_json_naming_a_field_of_the_wrong_type(string body, string field)
    {
        var seller = await _client.RegisterAsync();

        var response = await _client.PostRawAsync("/api/v1/products", body, seller.Token);

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "invalid_json");
        Assert.NotEmpty(problem.ErrorsOf(field));
    }

    [Fact]
    public async Task Should_answer_invalid_request_for_a_missing_body()
    {
        var seller = await _client.RegisterAsync();

        var response = await _client.SendAsync(Http.Request(HttpMethod.Post, "products", seller.Token, null, null));

        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "invalid_request");
    }

    [Theory]
    [InlineData("")]
    [InlineData("null")]
    public async Task Should_answer_400_for_an_empty_or_null_body(string body)
    {
        var response = await _client.PostRawAsync("/api/v1/auth/register", body);

        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task Should_answer_415_for_a_body_that_is_not_json()
    {
        var response = await _client.PostRawAsync("/api/v1/auth/login", "email=a@b.c&password=x", contentType: "application/x-www-form-urlencoded");

        await response.ShouldBeProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
    }

    [Fact]
    public async Task Should_answer_413_for_a_body_over_the_limit()
    {
        var seller = await _client.RegisterAsync();
        var body = $$"""{"title":"Chair","price":40,"feed":"discover","description":"{{new string('x', Limit)}}"}""";

        var response = await _client.PostRawAsync("/api/v1/products", body, seller.Token);

        await response.ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
    }

    [Fact]
    public async Task Should_answer_413_for_a_body_of_unknown_length_over_the_limit()
    {
        // HttpClient → TestServer always sends a Content-Length, so hand the server a body stream without one.
        var seller = await _client.RegisterAsync();
        var bytes = Encoding.UTF8.GetBytes($$"""{"title":"Chair","price":40,"feed":"discover","description":"{{new string('x', 2 * Limit)}}"}""");

        var context = await api.Factory.Server.SendAsync(c =>
        {
            c.Request.Method = "POST";
            c.Request.Path = "/api/v1/products";
            c.Request.ContentType = "application/json";
            c.Request.Headers.Authorization = $"Bearer {seller.Token}";
            c.Request.Headers.TransferEncoding = "chunked";
            c.Request.Body = new MemoryStream(bytes);
            c.Features.Set<IHttpRequestBodyDetectionFeature>(new ChunkedBody()); // what a server reports for a chunked request
        });

        Assert.Null(context.Request.ContentLength);
        using var problem = await JsonDocument.ParseAsync(context.Response.Body);
        Assert.True(context.Response.StatusCode == StatusCodes.Status413PayloadTooLarge, problem.RootElement.GetRawText());
        Assert.Equal("application/problem+json", context.Response.ContentType);
        Assert.Equal("payload_too_large", problem.RootElement.Str("code"));
    }

    [Fact]
    public async Task Should_accept_a_body_just_under_the_limit()
    {
        var seller = await _client.RegisterAsync();
        var body = $$"""{"title":"Chair","price":40,"feed":"discover","description":"{{new string('x', 3000)}}"}""";
        body += new string(' ', Limit - Encoding.UTF8.GetByteCount(body));

        var response = await _client.PostRawAsync("/api/v1/products", body, seller.Token);

        await response.ShouldBeJsonAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Should_answer_problem_json_even_to_a_client_that_accepts_only_html()
    {
        var request = Http.Request(HttpMethod.Get, "users/me", null, null, null);
        request.Headers.Accept.ParseAdd("text/html");

        var response = await _client.SendAsync(request);

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task Should_answer_400_for_a_too_long_idempotency_key()
    {
        var seller = await _client.RegisterAsync();

        var response = await _client.PostJsonAsync("products", new { title = "Chair", price = 40, feed = "discover" },
            seller.Token, idempotencyKey: new string('k', 201));

        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "invalid_idempotency_key");
    }

    sealed class ChunkedBody : IHttpRequestBodyDetectionFeature
    {
        public bool CanHaveBody => true;
    }
}
