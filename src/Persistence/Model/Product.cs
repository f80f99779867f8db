namespace SoukLoop.Persistence.Model;

public class Product
{
    public Guid Id { get; set; }
    public Guid SellerId { get; set; }
    public required string Title { get; set; }
    public string? Description { get; set; }
    public decimal Price { get; set; }
    public string Currency { get; set; } = "USD";
    public string Feed { get; set; } = Feeds.Community;
    public string Status { get; set; } = ProductStatuses.Available;
    public List<string> ImageUrls { get; set; } = [];
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

public static class Feeds
{
    public const string Discover = "discover";
    public const string Community = "community";
}

public static class ProductStatuses
{
    public const string Available = "available";
    public const string Sold = "sold";
}
