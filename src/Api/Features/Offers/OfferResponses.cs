using System.ComponentModel;
using System.Text.Json.Serialization;
using SoukLoop.Contracts;
using SoukLoop.Persistence.Model;
using SoukLoop.Api.Features.Users;

namespace SoukLoop.Api.Features.Offers;

public record OfferTransactionResponse(
    Guid Id, Guid OfferId, decimal Amount, decimal PlatformFee, decimal SellerPayout, string Currency, string Status,
    OfferPaymentResponse? Payment);

public record OfferPaymentResponse(string Provider, string? PaymentIntentId, string? ClientSecret);

public record OfferHistoryEntry(DateTime At, string Action, Guid? By, decimal? Price);

public record OfferPartyProduct(Guid Id, string Title, decimal Price, string Currency, string Feed);

public record OfferResponse(
    Guid Id, Guid ProductId, Guid BuyerId, Guid SellerId, Guid ConversationId, decimal OfferedPrice, decimal? CounterPrice,
    string Status, string? Awaiting, int Round, DateTime? ExpiresAt, DateTime CreatedAt, DateTime UpdatedAt,
    OfferTransactionResponse? Transaction, IReadOnlyList<OfferHistoryEntry>? History = null, OfferPartyProduct? Product = null,
    Guid? OtherUserId = null, PublicUser? OtherUser = null,
    // Only GET /offers/{id} sets it, and only while a move faulted for good after the offer's last change (OfferMoveFailures).
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    [property: Description("GET /offers/{id} only: the last move that faulted for good after the offer's last change (src/Api/README.md \"Commands\"); absent otherwise.")]
    FailedCommand? FailedCommand = null);

public static class OfferMapping
{
    /// <summary>Money always goes out with two decimals (110 → 110.00), whatever scale the number was computed with.</summary>
    public static decimal Money(decimal value) => decimal.Round(value, 2) + 0.00m;

    public static decimal? Money(decimal? value) => value is { } v ? Money(v) : null;

    public static string Status(string state) => state.ToLowerInvariant();

    public static string? Awaiting(string state) => state switch
    {
        "Pending" => "seller",
        "Countered" => "buyer",
        _ => null
    };

    public static OfferResponse ToResponse(this OfferState o, Transaction? t, Guid viewer, IReadOnlyList<OfferHistoryEntry>? history = null) => new(
        o.CorrelationId, o.ProductId, o.BuyerId, o.SellerId, o.ConversationId, Money(o.OfferedPrice), Money(o.CounterPrice), Status(o.CurrentState),
        Awaiting(o.CurrentState), o.Round, o.ExpiresAt, o.CreatedAt, o.UpdatedAt, t?.ToResponse(viewer), history,
        new OfferPartyProduct(o.ProductId, o.ProductTitle, Money(o.ListPrice), o.Currency, o.Feed), viewer == o.BuyerId ? o.SellerId : o.BuyerId);

    public static OfferResponse ToResponse(this OfferSnapshot o, Transaction? t, Guid viewer) => new(
        o.OfferId, o.ProductId, o.BuyerId, o.SellerId, o.ConversationId, Money(o.OfferedPrice), Money(o.CounterPrice), o.Status, o.Awaiting, o.Round,
        o.ExpiresAt, o.CreatedAt, o.UpdatedAt, t?.ToResponse(viewer), null,
        new OfferPartyProduct(o.ProductId, o.ProductTitle, Money(o.ListPrice), o.Currency, o.Feed), viewer == o.BuyerId ? o.SellerId : o.BuyerId);

    /// <summary>The client secret lets the buyer pay: only the buyer ever sees it.</summary>
    public static OfferTransactionResponse ToResponse(this Transaction t, Guid viewer) => new(
        t.Id, t.OfferId, Money(t.Amount), Money(t.PlatformFee), Money(t.SellerPayout), t.Currency, t.Status,
        new OfferPaymentResponse("stripe", t.PaymentIntentId, viewer == t.BuyerId ? t.ClientSecret : null));

    public static string HistoryAction(string eventName) => eventName switch
    {
        "MakeOffer" => "made",
        "CounterOffer" => "countered",
        "AcceptOffer" => "accepted",
        "DeclineOffer" => "declined",
        "CloseOffer" => "declined",
        "WithdrawOffer" => "withdrawn",
        "ExpireOffer" => "expired",
        _ when eventName.StartsWith("ExpirationTimeout") => "expired",
        _ => eventName
    };
}
