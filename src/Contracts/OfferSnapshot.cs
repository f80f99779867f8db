namespace SoukLoop.Contracts;

/// <summary>
/// Everything a screen, a push or a support view needs about one offer at one moment. <see cref="Version"/> is the
/// offer's row version once this state is stored: every later state of the offer carries a larger one, so a consumer can
/// tell a late (redelivered) event from the newest (0: sent by a version that did not number its snapshots).
/// </summary>
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
    Guid? TransactionId,
    int Version = 0);
