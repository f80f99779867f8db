using SoukLoop.Persistence.Model;

namespace SoukLoop.Api.Features.Payments;

public record TransactionPaymentResponse(
    string Provider, string? PaymentIntentId, string? ClientSecret, int Attempt, DateTime? PayBy, DateTime? PaidAt, string? FailureCode,
    string? FailureMessage);

public record TransactionPayoutResponse(string Status, string? StripeAccountId, string? TransferId);

public record TransactionResponse(
    Guid Id, Guid OfferId, Guid ProductId, Guid BuyerId, Guid SellerId, decimal Amount, decimal PlatformFee, decimal SellerPayout,
    string Currency, string Status, TransactionPaymentResponse Payment, TransactionPayoutResponse? Payout, DateTime CreatedAt,
    DateTime UpdatedAt)
{
    /// <summary>Buyer and seller see the transaction; only the buyer sees the client secret, only the seller the payout.</summary>
    public static TransactionResponse From(Transaction t, PaymentState? p, Guid viewer) => new(
        t.Id, t.OfferId, t.ProductId, t.BuyerId, t.SellerId, t.Amount, t.PlatformFee, t.SellerPayout, t.Currency, t.Status,
        new TransactionPaymentResponse("stripe", t.PaymentIntentId, viewer == t.BuyerId ? t.ClientSecret : null, p?.Attempt ?? 0, p?.PayBy,
            p?.PaidAt, p?.FailureCode, p?.FailureMessage),
        viewer == t.SellerId && p != null ? new TransactionPayoutResponse(p.PayoutStatus, p.PayoutAccountId, p.TransferId) : null,
        t.CreatedAt, t.UpdatedAt);
}

public record PayoutAccountRequest(string? StripeAccountId);

public record PayoutAccountResponse(string StripeAccountId, int PayoutsPending);

