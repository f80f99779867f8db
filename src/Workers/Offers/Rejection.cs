namespace SoukLoop.Workers.Offers;

/// <summary>A broken negotiation rule: a stable code for the app, an HTTP status, and a sentence for people.</summary>
public record Rejection(string Code, int HttpStatus, string Detail)
{
    public static readonly Rejection ProductNotFound = new("product_not_found", 404, "The product does not exist.");
    public static readonly Rejection ProductNotAvailable = new("product_not_available", 409, "The product is no longer available.");
    public static readonly Rejection OwnProduct = new("cannot_offer_on_own_product", 403, "Sellers cannot make offers on their own products.");
    public static readonly Rejection PriceNotBelowList = new("price_not_below_list", 400, "The offered price must be above 0 and below the list price.");
    public static readonly Rejection NotYourTurn = new("not_your_turn", 403, "The offer is waiting for the other party.");
    public static readonly Rejection NotAParty = new("offer_not_found", 404, "The offer does not exist.");
    public static readonly Rejection OnlyBuyerWithdraws = new("only_buyer_can_withdraw", 403, "Only the buyer can withdraw an offer.");
    public static readonly Rejection CounterOutOfRange = new("counter_price_out_of_range", 400,
        "A counter price must lie strictly between the buyer's and the seller's last prices.");
    public static readonly Rejection OfferClosed = new("offer_closed", 409, "The offer was already answered and is closed.");
    public static readonly Rejection OfferExists = new("offer_exists", 409, "This offer was already made.");
    public static readonly Rejection OfferExpired = new("offer_expired", 409, "The offer has expired.");
}

public class OfferRuleViolation(Rejection rejection) : Exception(rejection.Detail)
{
    public Rejection Rejection { get; } = rejection;
}
