using System.Net;
using SoukLoop.Api.Tests.Infrastructure;

namespace SoukLoop.Api.Tests.Conventions;

[Collection(ApiCollection.Name)]
public class When_calling_an_unknown_route(ApiFixture api)
{
    readonly HttpClient _client = api.CreateClient();

    [Theory]
    [InlineData("/api/v1/nothing-here")]
    [InlineData("/api/v2/products")]
    [InlineData("/")]
    public async Task Should_answer_404_not_found(string path)
    {
        var response = await _client.GetAsync(path, token: null);

        await response.ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Should_answer_405_for_a_wrong_method()
    {
        var response = await _client.SendAsync(Http.Request(HttpMethod.Delete, "auth/login", null, null, null));

        await response.ShouldBeProblemAsync(HttpStatusCode.MethodNotAllowed, "method_not_allowed");
    }

    [Fact]
    public async Task Should_not_serve_the_openapi_document_outside_development()
    {
        var response = await _client.GetAsync("/openapi/v1.json", token: null);

        await response.ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
    }
}
