namespace SoukLoop.ServiceDefaults;

public class JwtOptions
{
    public const string Section = "Jwt";

    /// <summary>Only ever used when the environment is Development and no key is configured.</summary>
    public const string DevelopmentSigningKey = "souk-loop-development-signing-key-not-for-production-use-0001";

    public string Issuer { get; set; } = "souk-loop";
    public string Audience { get; set; } = "souk-loop-app";
    public string? SigningKey { get; set; }
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromHours(12);
}
