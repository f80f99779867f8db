namespace SoukLoop.Persistence.Model;

public class Transaction
{
    public Guid Id { get; set; }
    public Guid OfferId { get; set; }
    public Guid ProductId { get; set; }
    public Guid BuyerId { get; set; }
    public Guid SellerId { get; set; }
    public decimal Amount { get; set; }
    public decimal PlatformFee { get; set; }
    public decimal SellerPayout { get; set; }
    public required string Currency { get; set; }
    public string Status { get; set; } = TransactionStatuses.Pending;
    public string? PaymentIntentId { get; set; }
    public string? ClientSecret { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

public static class TransactionStatuses
{
    public const string Pending = "pending";
    public const string Paid = "paid";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";
}
