using System.Net.Mail;

namespace SoukLoop.Api.Infrastructure;

/// <summary>Collects `errors: {field: [messages]}` for a 400 validation_failed answer.</summary>
public sealed class ValidationErrors
{
    readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool IsValid => _errors.Count == 0;

    public ValidationErrors Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var messages))
            _errors[field] = messages = [];
        messages.Add(message);
        return this;
    }

    /// <summary>API.md's list paging: `page` (default 1, at least 1) and `per_page` (default 20, 1 to 100).</summary>
    public (int Page, int PerPage) Paging(int? page, int? perPage)
    {
        var p = page ?? 1;
        var size = perPage ?? 20;
        if (p < 1)
            Add("page", "Must be 1 or more.");
        if (size is < 1 or > 100)
            Add("per_page", "Must be between 1 and 100.");
        return (p, size);
    }

    public Dictionary<string, string[]> ToDictionary() => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);

    /// <summary>Required, trimmed, between <paramref name="min"/> and <paramref name="max"/> characters, no control characters.</summary>
    public string? Text(string field, string? value, int min, int max, bool required = true)
    {
        var trimmed = value?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            if (required)
                Add(field, value is null ? "This field is required." : "This field must not be blank.");
            return null;
        }
        if (trimmed.Length < min || trimmed.Length > max)
            Add(field, min == max ? $"Must be exactly {max} characters." : $"Must be {min} to {max} characters long.");
        if (trimmed.Any(c => char.IsControl(c) && c is not '\n' and not '\r' and not '\t'))
            Add(field, "Must not contain control characters.");
        return trimmed;
    }

    /// <summary>A plain address (`name@example.com`), at most 320 characters; returned trimmed and lower-cased.</summary>
    public string? Email(string field, string? value)
    {
        var email = value?.Trim();
        if (string.IsNullOrEmpty(email))
        {
            Add(field, "This field is required.");
            return null;
        }
        if (email.Length > 320)
            Add(field, "Must be at most 320 characters long.");
        else if (!IsEmail(email))
            Add(field, "Must be a valid email address.");
        return email.ToLowerInvariant();
    }

    static bool IsEmail(string email)
    {
        if (email.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)) || !MailAddress.TryCreate(email, out var address))
            return false;
        var at = email.LastIndexOf('@');
        var domain = email[(at + 1)..];
        return string.Equals(address.Address, email, StringComparison.Ordinal)
            && at > 0 && domain.Contains('.') && !domain.StartsWith('.') && !domain.EndsWith('.');
    }

    /// <summary>An absolute http(s) URL of at most 2048 characters.</summary>
    public static bool IsHttpUrl(string? value) =>
        value is { Length: > 0 and <= 2048 }
        && Uri.TryCreate(value, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        && !string.IsNullOrEmpty(uri.Host);
}
