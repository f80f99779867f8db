namespace SoukLoop.Contracts;

/// <summary>A buyer offers a price below the list price of a product.</summary>
public record MakeOffer(Guid OfferId, Guid ProductId, Guid BuyerId, decimal OfferedPrice, string? Message);
