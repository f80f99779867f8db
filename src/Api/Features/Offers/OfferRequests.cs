namespace SoukLoop.Api.Features.Offers;

public record MakeOfferRequest(Guid? ProductId, decimal? OfferedPrice, string? Message);

public record CounterOfferRequest(decimal? CounterPrice, string? Message);

public record DeclineOfferRequest(string? Message);

public static class OfferValidation
{
    public const int MaxMessageLength = 1000;

    public static Dictionary<string, string[]> Validate(MakeOfferRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        if (request.ProductId is null || request.ProductId == Guid.Empty)
            errors["product_id"] = ["product_id is required."];
        Price(errors, "offered_price", request.OfferedPrice);
        Message(errors, request.Message);
        return errors;
    }

    public static Dictionary<string, string[]> Validate(CounterOfferRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        Price(errors, "counter_price", request.CounterPrice);
        Message(errors, request.Message);
        return errors;
    }

    public static Dictionary<string, string[]> Validate(DeclineOfferRequest? request)
    {
        var errors = new Dictionary<string, string[]>();
        Message(errors, request?.Message);
        return errors;
    }

    static void Price(Dictionary<string, string[]> errors, string field, decimal? price)
    {
        if (price is null)
            errors[field] = [$"{field} is required."];
        else if (price <= 0 || price > 1_000_000m)
            errors[field] = [$"{field} must be above 0 and at most 1000000."];
        else if (decimal.Round(price.Value, 2) != price.Value)
            errors[field] = [$"{field} has at most 2 decimals."];
    }

    static void Message(Dictionary<string, string[]> errors, string? message)
    {
        if (message is { Length: > MaxMessageLength })
            errors["message"] = [$"message is at most {MaxMessageLength} characters."];
    }
}
