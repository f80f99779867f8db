using System.Net;
using SoukLoop.Api.Tests.Infrastructure;

namespace SoukLoop.Api.Tests.Products;

[Collection(ApiCollection.Name)]
public class When_reading_a_product(ApiFixture api)
{
    readonly HttpClient _client = api.CreateClient();

    [Fact]
    public async Task Should_return_what_was_created()
    {
        var seller = await _client.RegisterAsync();
        var buyer = await _client.RegisterAsync();
        var created = await (await _client.PostJsonAsync("products",
                new { title = "Bike", price = 120.1m, feed = "community", image_urls = new[] { "https://img.example.com/b.jpg" } },
                seller.Token))
            .ShouldBeJsonAsync(HttpStatusCode.Created);

        var read = await (await _client.GetAsync($"products/{created.Str("id")}", buyer.Token)).ShouldBeJsonAsync(HttpStatusCode.OK);

        Assert.Equal(created.GetRawText(), read.GetRawText());
        Assert.Equal(120.1m, read.GetProperty("price").GetDecimal());
    }

    [Theory]
    [InlineData("0b5e0bb5-8e7c-4a53-9a3f-3b8a2d6a9c11")]
    [InlineData("not-a-uuid")]
    [InlineData("12345")]
    public async Task Should_answer_product_not_found_for_an_unknown_id(string id)
    {
        var user = await _client.RegisterAsync();

        var response = await _client.GetAsync($"products/{id}", user.Token);

        await response.ShouldBeProblemAsync(HttpStatusCode.NotFound, "product_not_found");
    }

    [Fact]
    public async Task Should_require_a_token()
    {
        var response = await _client.GetAsync($"products/{Guid.NewGuid()}", token: null);

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }
}
