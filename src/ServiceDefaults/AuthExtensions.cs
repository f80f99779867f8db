using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace SoukLoop.ServiceDefaults;

public static class AuthExtensions
{
    public const string SupportPolicy = "support";

    /// <summary>
    /// JWT bearer auth shared by Api and Realtime (same keys). The token may also come as the access_token query
    /// parameter on the hub path, which is how WebSocket clients send it.
    /// </summary>
    public static IServiceCollection AddSoukAuth(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        var options = configuration.GetSection(JwtOptions.Section).Get<JwtOptions>() ?? new JwtOptions();
        if (string.IsNullOrWhiteSpace(options.SigningKey))
        {
            if (!environment.IsDevelopment())
                throw new InvalidOperationException("Jwt:SigningKey must be configured outside Development.");
            options.SigningKey = JwtOptions.DevelopmentSigningKey;
        }
        if (Encoding.UTF8.GetByteCount(options.SigningKey) < 32)
            throw new InvalidOperationException("Jwt:SigningKey must be at least 32 bytes.");

        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<TokenService>();
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(o =>
            {
                o.MapInboundClaims = false;
                o.TokenValidationParameters = TokenService.ValidationParameters(options);
                o.Events = new JwtBearerEvents
                {
                    OnMessageReceived = ctx =>
                    {
                        var token = ctx.Request.Query["access_token"];
                        if (!string.IsNullOrEmpty(token) && ctx.HttpContext.Request.Path.StartsWithSegments("/hubs"))
                            ctx.Token = token;
                        return Task.CompletedTask;
                    }
                };
            });
        services.AddAuthorizationBuilder()
            .AddPolicy(SupportPolicy, p => p.RequireAuthenticatedUser().RequireClaim("role", "support"));
        return services;
    }

    public static Guid UserId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(JwtRegisteredClaimNames.Sub), out var id) ? id : Guid.Empty;
}

public class TokenService(JwtOptions options, TimeProvider time)
{
    // No "typ" header and no default "nbf": every byte of the token travels in each request, and the WebSocket clients
    // send it in the URL, which the Realtime node's web server keeps (twice) for as long as the connection lives.
    readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };

    public TimeSpan Lifetime => options.Lifetime;

    /// <summary>
    /// An access token with what the services read — subject (the user id) and role — plus issuer, audience, issue and
    /// expiry times. Nothing personal: no email (tokens end up in URLs and proxy logs), no token id (nothing revokes by it).
    /// </summary>
    public string Issue(Guid userId, string role)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = options.Issuer,
            Audience = options.Audience,
            IssuedAt = now,
            Expires = now + options.Lifetime,
            TokenType = null,
            Claims = new Dictionary<string, object>
            {
                [JwtRegisteredClaimNames.Sub] = userId.ToString(),
                ["role"] = role
            },
            SigningCredentials = new SigningCredentials(Key(options), SecurityAlgorithms.HmacSha256)
        });
    }

    public static TokenValidationParameters ValidationParameters(JwtOptions options) => new()
    {
        ValidIssuer = options.Issuer,
        ValidAudience = options.Audience,
        IssuerSigningKey = Key(options),
        ValidateIssuer = true,
        ValidateAudience = true,
        ValidateLifetime = true,
        ValidateIssuerSigningKey = true,
        ClockSkew = TimeSpan.FromSeconds(30),
        NameClaimType = JwtRegisteredClaimNames.Sub,
        RoleClaimType = "role",
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256]
    };

    static SymmetricSecurityKey Key(JwtOptions options) => new(Encoding.UTF8.GetBytes(options.SigningKey!));
}
