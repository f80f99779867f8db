namespace SoukLoop.Persistence.Model;

public class User
{
    public Guid Id { get; set; }
    public required string Email { get; set; }
    public required string PasswordHash { get; set; }
    public required string DisplayName { get; set; }
    public string? AvatarUrl { get; set; }
    public string Role { get; set; } = Roles.User;
    public string? StripeAccountId { get; set; }
    public DateTime CreatedAt { get; set; }
}

public static class Roles
{
    public const string User = "user";
    public const string Support = "support";
}
