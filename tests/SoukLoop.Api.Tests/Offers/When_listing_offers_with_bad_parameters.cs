using System.Net;
using SoukLoop.Api.Tests.Infrastructure;

namespace SoukLoop.Api.Tests.Offers;

/// <summary>The offer lists read Postgres only; whatever a client puts in the query string, the answer is a 4xx problem.</summary>
[Collection(ApiCollection.Name)]
public class When_listing_offers_with_bad_parameters(ApiFixture api)
{
    readonly HttpClient _client = api.CreateClient();

    [Theory]
    [InlineData("as_buyer=maybe")]
    [InlineData("as_seller=2")]
    [InlineData("page=abc")]
    [InlineData("page=0")]
    [InlineData("per_page=101")]
    [InlineData("per_page=-5")]
    [InlineData("per_page=99999999999")]
    [InlineData("status=lost")]
    public async Task Should_answer_400_with_a_problem(string query)
    {
        var user = await _client.RegisterAsync();

        var response = await _client.GetAsync($"/api/v1/offers?{query}", user.Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Should_list_nothing_for_a_new_user_with_the_requested_page_size()
    {
        var user = await _client.RegisterAsync();

        var response = await _client.GetAsync("/api/v1/offers?as_buyer=true&per_page=5&page=2", user.Token);

        var page = await response.ShouldBeJsonAsync(HttpStatusCode.OK);
        Assert.Equal((2, 5, 0), (page.GetProperty("page").GetInt32(), page.GetProperty("per_page").GetInt32(), page.GetProperty("total").GetInt32()));
    }

    [Theory]
    [InlineData("/api/v1/products/not-a-guid/offers")]
    [InlineData("/api/v1/offers/not-a-guid")]
    public async Task Should_answer_404_for_a_malformed_id(string path)
    {
        var user = await _client.RegisterAsync();

        var response = await _client.GetAsync(path, user.Token);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Should_answer_404_product_not_found_to_someone_who_is_not_the_seller()
    {
        var seller = await _client.RegisterAsync();
        var other = await _client.RegisterAsync();
        var created = await (await _client.PostJsonAsync("products", new { title = "Lamp", price = 10m, feed = "community" }, seller.Token))
            .ShouldBeJsonAsync(HttpStatusCode.Created);

        var response = await _client.GetAsync($"/api/v1/products/{created.Str("id")}/offers?per_page=5", other.Token);

        await response.ShouldBeProblemAsync(HttpStatusCode.NotFound, "product_not_found");
    }
}
