using System.Net;
using System.Net.Http.Headers;
using System.Text;
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
    public async Task Should_answer_413_for_a_chunked_body_over_the_limit()
    {
        var seller = await _client.RegisterAsync();
        var bytes = Encoding.UTF8.GetBytes($$"""{"title":"Chair","price":40,"feed":"discover","description":"{{new string('x', 2 * Limit)}}"}""");
        var content = new UnknownLengthContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        var request = Http.Request(HttpMethod.Post, "products", seller.Token, null, content);
        var response = await _client.SendAsync(request);

        await response.ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
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

    /// <summary>A body whose length is not known up front, so it goes without Content-Length (chunked).</summary>
    sealed class UnknownLengthContent(byte[] bytes) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
