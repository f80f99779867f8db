namespace SoukLoop.Contracts;

/// <summary>Everything a screen, a push or a support view needs about one offer at one moment.</summary>
public record OfferSnapshot(
    Guid OfferId,
    Guid ProductId,
    string ProductTitle,
    Guid BuyerId,
    Guid SellerId,
    Guid ConversationId,
    string Status,
    string? Awaiting,
    decimal OfferedPrice,
    decimal? CounterPrice,
    decimal ListPrice,
    string Currency,
    string Feed,
    int Round,
    DateTime? ExpiresAt,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    Guid? TransactionId);
