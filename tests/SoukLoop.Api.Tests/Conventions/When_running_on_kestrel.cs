using System.Net;
using System.Text;
using SoukLoop.Api.Tests.Infrastructure;

namespace SoukLoop.Api.Tests.Conventions;

/// <summary>The Api on a real Kestrel socket (not TestServer): the body limit holds for real chunked uploads too.</summary>
[Collection(ApiCollection.Name)]
public sealed class When_running_on_kestrel(ApiFixture api) : IAsyncLifetime
{
    const int Limit = 64 * 1024;
    ApiFactory _factory = null!;
    HttpClient _client = null!;

    public Task InitializeAsync()
    {
        _factory = new ApiFactory(api.Settings.AppSettings(api.Database));
        _factory.UseKestrel(0);
        _factory.StartServer();
        _client = _factory.CreateClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
    }

    [Fact]
    public async Task Should_serve_the_api_over_http()
    {
        var user = await _client.RegisterAsync();

        var me = await (await _client.GetAsync("users/me", user.Token)).ShouldBeJsonAsync(HttpStatusCode.OK);
        Assert.Equal(user.Email, me.Str("email"));
    }

    [Fact]
    public async Task Should_answer_413_for_a_chunked_body_over_the_limit()
    {
        var user = await _client.RegisterAsync();
        var bytes = Encoding.UTF8.GetBytes($$"""{"title":"Chair","price":40,"feed":"discover","description":"{{new string('x', 2 * Limit)}}"}""");
        var content = new UnknownLengthContent(bytes);
        content.Headers.ContentType = new("application/json");

        var response = await _client.SendAsync(Http.Request(HttpMethod.Post, "products", user.Token, null, content));

        await response.ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
    }

    [Fact]
    public async Task Should_answer_413_for_a_declared_length_over_the_limit()
    {
        var user = await _client.RegisterAsync();
        var body = $$"""{"title":"Chair","price":40,"feed":"discover","description":"{{new string('x', 2 * Limit)}}"}""";

        var response = await _client.PostRawAsync("/api/v1/products", body, user.Token);

        await response.ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
    }

    /// <summary>A body whose length is not known up front, so HttpClient sends it chunked.</summary>
    sealed class UnknownLengthContent(byte[] bytes) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) =>
            stream.WriteAsync(bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
