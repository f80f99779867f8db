using SoukLoop.Api.Features.Users;
using SoukLoop.Api.Infrastructure;

namespace SoukLoop.Api.Features.Auth;

public sealed record RegisterRequest(string? Email, string? Password, string? DisplayName)
{
    public const int MinPasswordLength = 8;
    public const int MaxPasswordLength = 128;

    public ValidationErrors Validate(out string email, out string displayName)
    {
        var errors = new ValidationErrors();
        email = errors.Email("email", Email) ?? "";
        displayName = errors.Text("display_name", DisplayName, 1, 100) ?? "";
        if (Password is null)
            errors.Add("password", "This field is required.");
        else if (Password.Length is < MinPasswordLength or > MaxPasswordLength)
            errors.Add("password", $"Must be {MinPasswordLength} to {MaxPasswordLength} characters long.");
        return errors;
    }
}

public sealed record LoginRequest(string? Email, string? Password)
{
    public ValidationErrors Validate(out string email)
    {
        var errors = new ValidationErrors();
        email = Email?.Trim().ToLowerInvariant() ?? "";
        if (string.IsNullOrEmpty(email))
            errors.Add("email", "This field is required.");
        else if (email.Length > 320)
            errors.Add("email", "Must be at most 320 characters long.");
        if (string.IsNullOrEmpty(Password))
            errors.Add("password", "This field is required.");
        else if (Password.Length > RegisterRequest.MaxPasswordLength)
            errors.Add("password", $"Must be at most {RegisterRequest.MaxPasswordLength} characters long.");
        return errors;
    }
}

/// <summary>`{user, access_token, token_type: "Bearer", expires_in}` (seconds).</summary>
public sealed record AuthResponse(UserResponse User, string AccessToken, string TokenType, int ExpiresIn);
