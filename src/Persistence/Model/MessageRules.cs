namespace SoukLoop.Persistence.Model;

/// <summary>
/// What a client may send as a message (API.md "Conversations and messages"). The Api checks it to answer 400 with the
/// field names; the worker checks it again before storing, since other senders (the Realtime node) reach it directly.
/// </summary>
public static class MessageRules
{
    public const int MaxContentLength = 4000;
    public const int MaxImages = 10;
    public const int MaxUrlLength = 2048;
    public const int MaxClientMessageIdLength = 100;

    public const string MessageTypeReserved = "message_type_reserved";
    public const string ValidationFailed = "validation_failed";

    /// <summary>A broken rule: a <see cref="Code"/> for the app and the offending fields with their messages.</summary>
    public sealed record Violation(string Code, IReadOnlyDictionary<string, string[]> Errors, string Detail);

    /// <summary>The message as it is stored: content trimmed (blank caption → null), URLs as sent.</summary>
    public sealed record Normalized(string MessageType, string? Content, string[] ImageUrls, string? ClientMessageId);

    /// <summary>Checks a client's message; returns null and the normalized message when every rule holds.</summary>
    public static Violation? Check(string? messageType, string? content, IReadOnlyList<string?>? imageUrls, string? clientMessageId,
        out Normalized normalized)
    {
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Add(string field, string message)
        {
            if (!errors.TryGetValue(field, out var list))
                errors[field] = list = [];
            list.Add(message);
        }

        var type = messageType?.Trim();
        var trimmed = string.IsNullOrWhiteSpace(content) ? null : content.Trim();
        var images = imageUrls ?? [];
        normalized = new Normalized(type ?? "", trimmed, images.Where(u => u is not null).Select(u => u!).ToArray(), clientMessageId);

        if (type is MessageTypes.Offer or MessageTypes.System)
            return new Violation(MessageTypeReserved, new Dictionary<string, string[]> { ["message_type"] = [$"'{type}' messages are written by the offer flow only."] },
                $"Clients cannot send '{type}' messages; they are written by the offer flow.");

        switch (type)
        {
            case null or "":
                Add("message_type", "This field is required ('text' or 'image').");
                break;
            case MessageTypes.Text:
                if (trimmed is null)
                    Add("content", content is null ? "A text message needs content." : "A text message must not be blank.");
                if (images.Count > 0)
                    Add("image_urls", "A text message has no images; send message_type 'image'.");
                break;
            case MessageTypes.Image:
                if (images.Count == 0)
                    Add("image_urls", "An image message needs 1 to 10 image URLs.");
                else if (images.Count > MaxImages)
                    Add("image_urls", $"At most {MaxImages} images.");
                for (var i = 0; i < images.Count; i++)
                    if (!IsHttpUrl(images[i]))
                        Add("image_urls", $"Item {i} must be an absolute http(s) URL of at most {MaxUrlLength} characters.");
                break;
            default:
                Add("message_type", "Must be 'text' or 'image'.");
                break;
        }

        if (trimmed is { Length: > MaxContentLength })
            Add("content", $"Must be at most {MaxContentLength} characters long.");
        if (trimmed is not null && trimmed.Any(c => char.IsControl(c) && c is not '\n' and not '\r' and not '\t'))
            Add("content", "Must not contain control characters.");

        if (clientMessageId is not null)
        {
            if (string.IsNullOrWhiteSpace(clientMessageId))
                Add("client_message_id", "Must not be blank; leave it out instead.");
            else if (clientMessageId.Length > MaxClientMessageIdLength)
                Add("client_message_id", $"Must be at most {MaxClientMessageIdLength} characters long.");
            else if (clientMessageId.Any(char.IsControl))
                Add("client_message_id", "Must not contain control characters.");
        }

        return errors.Count == 0
            ? null
            : new Violation(ValidationFailed, errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal),
                "One or more fields are invalid.");
    }

    /// <summary>An absolute http(s) URL with a host, at most <see cref="MaxUrlLength"/> characters.</summary>
    public static bool IsHttpUrl(string? value) =>
        value is { Length: > 0 and <= MaxUrlLength }
        && Uri.TryCreate(value, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        && !string.IsNullOrEmpty(uri.Host);
}
