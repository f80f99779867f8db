using System.Text.RegularExpressions;
using SoukLoop.Api.Infrastructure;
using SoukLoop.Persistence.Model;

namespace SoukLoop.Api.Features.Products;

public sealed partial record CreateProductRequest(
    string? Title, decimal? Price, string? Feed, string? Description = null, string? Currency = null, List<string?>? ImageUrls = null)
{
    public const decimal MaxPrice = 1_000_000m;
    public const int MaxImages = 10;
    public const string DefaultCurrency = "USD";

    public ValidationErrors Validate(out Product product)
    {
        var errors = new ValidationErrors();
        var title = errors.Text("title", Title, 1, 200);
        var description = errors.Text("description", Description, 1, 4000, required: false);

        if (Price is not { } price)
            errors.Add("price", "This field is required.");
        else if (price <= 0 || price > MaxPrice)
            errors.Add("price", $"Must be greater than 0 and at most {MaxPrice:0}.");
        else if (decimal.Round(price, 2) != price)
            errors.Add("price", "Must have at most 2 decimals.");

        var currency = Currency ?? DefaultCurrency;
        if (!CurrencyCode().IsMatch(currency))
            errors.Add("currency", "Must be a 3-letter upper-case ISO 4217 code, e.g. USD.");

        if (Feed is null)
            errors.Add("feed", "This field is required.");
        else if (Feed is not (Feeds.Discover or Feeds.Community))
            errors.Add("feed", $"Must be '{Feeds.Discover}' or '{Feeds.Community}'.");

        var images = ImageUrls ?? [];
        if (images.Count > MaxImages)
            errors.Add("image_urls", $"At most {MaxImages} images.");
        for (var i = 0; i < images.Count; i++)
            if (!ValidationErrors.IsHttpUrl(images[i]))
                errors.Add("image_urls", $"Item {i} must be an absolute http(s) URL of at most 2048 characters.");

        product = new Product
        {
            Title = title ?? "",
            Description = description,
            // Scale 2 always, so this answer and a later read of the numeric(12,2) column print the same number.
            Price = decimal.Round(Price ?? 0, 2) + 0.00m,
            Currency = currency,
            Feed = Feed ?? "",
            ImageUrls = images.Where(u => u is not null).Select(u => u!).ToList()
        };
        return errors;
    }

    [GeneratedRegex("^[A-Z]{3}$")]
    private static partial Regex CurrencyCode();
}

/// <summary>`{id, seller_id, title, description, price, currency, feed, status, image_urls, created_at}`.</summary>
public sealed record ProductResponse(
    Guid Id, Guid SellerId, string Title, string? Description, decimal Price, string Currency, string Feed, string Status,
    IReadOnlyList<string> ImageUrls, DateTime CreatedAt)
{
    public static ProductResponse From(Product p) =>
        new(p.Id, p.SellerId, p.Title, p.Description, p.Price, p.Currency, p.Feed, p.Status, p.ImageUrls, p.CreatedAt);
}
