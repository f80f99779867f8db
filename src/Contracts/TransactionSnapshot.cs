namespace SoukLoop.Contracts;

/// <summary>The money side of an accepted offer.</summary>
public record TransactionSnapshot(
    Guid TransactionId,
    Guid OfferId,
    Guid ProductId,
    Guid BuyerId,
    Guid SellerId,
    decimal Amount,
    decimal PlatformFee,
    decimal SellerPayout,
    string Currency,
    string Status);
