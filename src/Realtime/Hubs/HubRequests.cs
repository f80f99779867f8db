using System.Text.Json;
using SoukLoop.Realtime.Infrastructure;

namespace SoukLoop.Realtime.Hubs;

public record ConversationRequest(Guid? ConversationId);

public record SendMessageRequest(Guid? ConversationId, string? MessageType, string? Content, string[]? ImageUrls, string? ClientMessageId);

public record MessageReadRequest(Guid? MessageId);

public record CreateOfferRequest(Guid? ProductId, decimal? OfferedPrice, string? Message);

public record RespondOfferRequest(Guid? OfferId, string? Action, decimal? CounterPrice, string? Message);

public record FeedRequest(Guid? ProductId);

/// <summary>A hub payload that is not of the method's shape; answered as <c>error {code, detail}</c>.</summary>
public class HubRequestException(string code, string detail) : Exception(detail)
{
    public string Code { get; } = code;
}

/// <summary>
/// Shape checks of hub payloads: the same limits as the REST requests (API.md). Every rule about who may do what to
/// which offer or conversation lives in the Workers; the hub only refuses what cannot be a valid request.
/// </summary>
public static class HubRequests
{
    public const string ValidationFailed = "validation_failed";
    public const string MessageTypeReserved = "message_type_reserved";
    public const int MaxContentLength = 4000;
    public const int MaxImages = 10;
    public const int MaxClientMessageIdLength = 100;
    public const int MaxOfferMessageLength = 1000;

    public static T Parse<T>(JsonElement payload) where T : class
    {
        if (payload.ValueKind != JsonValueKind.Object)
            throw Invalid("The payload must be a JSON object.");
        try
        {
            return payload.Deserialize<T>(RealtimeJson.Options) ?? throw Invalid("The payload must be a JSON object.");
        }
        catch (JsonException ex)
        {
            var field = ex.Path is { Length: > 2 } path ? path[2..] : null;
            throw Invalid(field is null ? "The payload is not valid." : $"{field} has the wrong type or format.");
        }
    }

    public static Guid Required(Guid? value, string field) =>
        value is { } id && id != Guid.Empty ? id : throw Invalid($"{field} is required.");

    public static decimal Price(decimal? price, string field)
    {
        if (price is null)
            throw Invalid($"{field} is required.");
        if (price <= 0 || price > 1_000_000m)
            throw Invalid($"{field} must be above 0 and at most 1000000.");
        if (decimal.Round(price.Value, 2) != price.Value)
            throw Invalid($"{field} has at most 2 decimals.");
        return price.Value;
    }

    public static string? OfferMessage(string? message)
    {
        if (message is { Length: > MaxOfferMessageLength })
            throw Invalid($"message is at most {MaxOfferMessageLength} characters.");
        return string.IsNullOrWhiteSpace(message) ? null : message.Trim();
    }

    /// <summary>The checks of <c>POST /conversations/{id}/messages</c>: text needs content, image needs 1–10 http(s) URLs.</summary>
    public static (string Type, string? Content, string[] ImageUrls, string? ClientMessageId) Message(SendMessageRequest request)
    {
        var type = request.MessageType?.Trim().ToLowerInvariant();
        string? content = request.Content;
        string[] images = request.ImageUrls ?? [];
        switch (type)
        {
            case "text":
                if (string.IsNullOrWhiteSpace(content))
                    throw Invalid("content is required for a text message.");
                if (content.Length > MaxContentLength)
                    throw Invalid($"content is at most {MaxContentLength} characters.");
                if (images.Length > 0)
                    throw Invalid("image_urls is only allowed on image messages.");
                break;
            case "image":
                if (images.Length is < 1 or > MaxImages)
                    throw Invalid($"an image message needs 1 to {MaxImages} image_urls.");
                if (images.Any(u => !Uri.TryCreate(u, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
                    throw Invalid("every image_urls entry must be an absolute http(s) URL.");
                if (content is { Length: > MaxContentLength })
                    throw Invalid($"content is at most {MaxContentLength} characters.");
                if (string.IsNullOrWhiteSpace(content))
                    content = null;
                break;
            case "offer" or "system":
                throw new HubRequestException(MessageTypeReserved, $"{type} messages are written by the offer flow, never by clients.");
            case null or "":
                throw Invalid("message_type is required.");
            default:
                throw Invalid("message_type is one of text, image.");
        }

        var clientMessageId = string.IsNullOrWhiteSpace(request.ClientMessageId) ? null : request.ClientMessageId.Trim();
        if (clientMessageId is { Length: > MaxClientMessageIdLength })
            throw Invalid($"client_message_id is at most {MaxClientMessageIdLength} characters.");
        return (type, content, images, clientMessageId);
    }

    public static HubRequestException Invalid(string detail) => new(ValidationFailed, detail);
}
