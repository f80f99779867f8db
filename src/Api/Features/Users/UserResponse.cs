using SoukLoop.Persistence.Model;

namespace SoukLoop.Api.Features.Users;

/// <summary>A user as the app sees itself: `{id, email, display_name, avatar_url, role, created_at}`.</summary>
public sealed record UserResponse(Guid Id, string Email, string DisplayName, string? AvatarUrl, string Role, DateTime CreatedAt)
{
    public static UserResponse From(User user) =>
        new(user.Id, user.Email, user.DisplayName, user.AvatarUrl, user.Role, user.CreatedAt);
}
