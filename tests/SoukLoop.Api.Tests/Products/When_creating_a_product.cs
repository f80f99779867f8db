using System.Net;
using SoukLoop.Api.Tests.Infrastructure;

namespace SoukLoop.Api.Tests.Products;

[Collection(ApiCollection.Name)]
public class When_creating_a_product(ApiFixture api)
{
    readonly HttpClient _client = api.CreateClient();

    [Fact]
    public async Task Should_answer_201_with_its_location_and_the_listing()
    {
        var seller = await _client.RegisterAsync();

        var response = await _client.PostJsonAsync("products", new
        {
            title = "  Brass lamp ",
            description = "Works, a few scratches.",
            price = 12.5m,
            currency = "EUR",
            feed = "discover",
            image_urls = new[] { "https://img.example.com/1.jpg", "http://img.example.com/2.png" }
        }, seller.Token);

        var product = await response.ShouldBeJsonAsync(HttpStatusCode.Created);
        Assert.Equal($"/api/v1/products/{product.Str("id")}", response.Headers.Location?.OriginalString);
        Assert.Equal(seller.Id.ToString(), product.Str("seller_id"));
        Assert.Equal("Brass lamp", product.Str("title"));
        Assert.Equal("Works, a few scratches.", product.Str("description"));
        Assert.Equal(12.5m, product.GetProperty("price").GetDecimal());
        Assert.Equal("EUR", product.Str("currency"));
        Assert.Equal("discover", product.Str("feed"));
        Assert.Equal("available", product.Str("status"));
        Assert.Equal(2, product.GetProperty("image_urls").GetArrayLength());
        Assert.EndsWith("Z", product.Str("created_at"));
    }

    [Fact]
    public async Task Should_default_the_currency_to_usd_and_the_images_to_none()
    {
        var seller = await _client.RegisterAsync();

        var response = await _client.PostJsonAsync("products", new { title = "Chair", price = 40, feed = "community" }, seller.Token);

        var product = await response.ShouldBeJsonAsync(HttpStatusCode.Created);
        Assert.Equal("USD", product.Str("currency"));
        Assert.Equal(0, product.GetProperty("image_urls").GetArrayLength());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, product.GetProperty("description").ValueKind);
    }

    [Fact]
    public async Task Should_require_a_token()
    {
        var response = await _client.PostJsonAsync("products", new { title = "Chair", price = 40, feed = "community" });

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task Should_list_every_missing_required_field()
    {
        var seller = await _client.RegisterAsync();

        var response = await _client.PostRawAsync("/api/v1/products", "{}", seller.Token);

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.NotEmpty(problem.ErrorsOf("title"));
        Assert.NotEmpty(problem.ErrorsOf("price"));
        Assert.NotEmpty(problem.ErrorsOf("feed"));
        Assert.Empty(problem.ErrorsOf("currency"));
    }

    [Theory]
    [InlineData("""{"title":"Chair","price":40,"feed":"marketplace"}""", "feed")]
    [InlineData("""{"title":"Chair","price":40,"feed":"Discover"}""", "feed")]
    [InlineData("""{"title":"Chair","price":0,"feed":"discover"}""", "price")]
    [InlineData("""{"title":"Chair","price":-5,"feed":"discover"}""", "price")]
    [InlineData("""{"title":"Chair","price":1000000.01,"feed":"discover"}""", "price")]
    [InlineData("""{"title":"Chair","price":9.999,"feed":"discover"}""", "price")]
    [InlineData("""{"title":"Chair","price":40,"currency":"usd","feed":"discover"}""", "currency")]
    [InlineData("""{"title":"Chair","price":40,"currency":"EURO","feed":"discover"}""", "currency")]
    [InlineData("""{"title":"   ","price":40,"feed":"discover"}""", "title")]
    [InlineData("""{"title":"Chair","price":40,"feed":"discover","image_urls":["ftp://x.example.com/a.jpg"]}""", "image_urls")]
    [InlineData("""{"title":"Chair","price":40,"feed":"discover","image_urls":["/relative.jpg"]}""", "image_urls")]
    [InlineData("""{"title":"Chair","price":40,"feed":"discover","image_urls":[null]}""", "image_urls")]
    public async Task Should_name_the_invalid_field(string body, string field)
    {
        var seller = await _client.RegisterAsync();

        var response = await _client.PostRawAsync("/api/v1/products", body, seller.Token);

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.NotEmpty(problem.ErrorsOf(field));
    }

    [Fact]
    public async Task Should_accept_the_largest_price_and_longest_texts()
    {
        var seller = await _client.RegisterAsync();

        var response = await _client.PostJsonAsync("products", new
        {
            title = new string('t', 200),
            description = new string('d', 4000),
            price = 1_000_000m,
            feed = "community",
            image_urls = Enumerable.Range(0, 10).Select(i => $"https://img.example.com/{i}.jpg").ToArray()
        }, seller.Token);

        await response.ShouldBeJsonAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Should_refuse_too_long_texts_and_too_many_images()
    {
        var seller = await _client.RegisterAsync();

        var response = await _client.PostJsonAsync("products", new
        {
            title = new string('t', 201),
            description = new string('d', 4001),
            price = 10,
            feed = "community",
            image_urls = Enumerable.Range(0, 11).Select(i => $"https://img.example.com/{i}.jpg").ToArray()
        }, seller.Token);

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.NotEmpty(problem.ErrorsOf("title"));
        Assert.NotEmpty(problem.ErrorsOf("description"));
        Assert.NotEmpty(problem.ErrorsOf("image_urls"));
    }
}
