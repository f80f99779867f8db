using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;

namespace SoukLoop.Api.Infrastructure;

/// <summary>401 unauthorized and 403 forbidden from the JWT bearer handler as problem+json (API.md "Conventions").</summary>
public static class AuthProblems
{
    public static IServiceCollection AddSoukAuthProblems(this IServiceCollection services)
    {
        services.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, o =>
        {
            o.Events ??= new JwtBearerEvents();
            o.Events.OnChallenge = ChallengeAsync;
            o.Events.OnForbidden = ForbiddenAsync;
        });
        return services;
    }

    static Task ChallengeAsync(JwtBearerChallengeContext context)
    {
        context.HandleResponse();
        var (detail, header) = context.AuthenticateFailure switch
        {
            null => ("A valid access token is required (Authorization: Bearer <token>).", "Bearer"),
            SecurityTokenExpiredException => ("The access token has expired. Log in again.",
                "Bearer error=\"invalid_token\", error_description=\"The token expired\""),
            _ => ("The access token is invalid.", "Bearer error=\"invalid_token\"")
        };
        context.Response.Headers.WWWAuthenticate = header;
        return ProblemConventions.WriteAsync(context.HttpContext, StatusCodes.Status401Unauthorized, ProblemCodes.Unauthorized, detail);
    }

    static Task ForbiddenAsync(ForbiddenContext context) =>
        ProblemConventions.WriteAsync(context.HttpContext, StatusCodes.Status403Forbidden, ProblemCodes.Forbidden,
            "You are not allowed to do this.");
}
