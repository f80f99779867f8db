using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Features.Authentication;
using Microsoft.Extensions.Primitives;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using SoukLoop.ServiceDefaults;

namespace SoukLoop.Realtime.Infrastructure;

/// <summary>
/// Authentication of the hub path with a lean result. A hub connection keeps its HTTP request — and everything the
/// authentication of that request produced — for as long as it lives: with the JWT bearer handler that is the parsed
/// token, two copies of every claim and the handler's cached result, several KB per connection. Here the token (the
/// <c>access_token</c> query parameter or the Authorization header, exactly as <see cref="AuthExtensions.AddSoukAuth"/>
/// accepts it) is validated with the very same <see cref="TokenService.ValidationParameters"/>, and only a principal
/// with the user id and role plus the token's expiry are kept. The expiry makes <c>CloseOnAuthenticationExpiration</c>
/// close the connection when the token runs out. A missing or invalid token is refused with 401 and
/// <c>WWW-Authenticate: Bearer</c>, here rather than through the hub's [Authorize] and the authorization middleware,
/// whose per-request state would stay referenced by every WebSocket. Every other path uses the regular middlewares.
/// </summary>
public static class HubAuthentication
{
    const string AuthenticationMiddlewareSetKey = "__AuthenticationMiddlewareSet";

    public static IApplicationBuilder UseSoukAuthentication(this IApplicationBuilder app, PathString hubPath)
    {
        var options = app.ApplicationServices.GetRequiredService<JwtOptions>();
        var parameters = TokenService.ValidationParameters(options);
        var handler = new JsonWebTokenHandler { MapInboundClaims = false };

        // WebApplication puts UseAuthentication() in front of the whole pipeline unless the app called it itself; this is
        // the marker it looks for (AuthAppBuilderExtensions.AuthenticationMiddlewareSetKey). Authentication still runs
        // for every path: the regular middleware for all but the hub, the lean one below for the hub.
        app.Properties[AuthenticationMiddlewareSetKey] = true;
        app.UseWhen(context => !context.Request.Path.StartsWithSegments(hubPath), branch => branch.UseAuthentication());
        app.UseWhen(context => context.Request.Path.StartsWithSegments(hubPath), branch => branch.Use((context, next) =>
        {
            // Not an async method: nothing of this middleware stays on the heap while the connection lives (the
            // validation of a symmetrically signed token completes synchronously).
            var authentication = AuthenticateAsync(context, handler, parameters);
            return authentication.IsCompletedSuccessfully
                ? Continue(context, authentication.Result, next)
                : ContinueAsync(context, authentication, next);
        }));
        return app;
    }

    /// <summary>Authorization of the hub path: authenticated, or 401 (as the JWT bearer challenge answers elsewhere).</summary>
    public static IApplicationBuilder UseSoukAuthorization(this IApplicationBuilder app, PathString hubPath) =>
        // The hub carries no [Authorize] (the middleware above refuses anonymous requests), so the authorization
        // middleware — whose state would stay alive with every WebSocket — runs on the other paths only.
        app.UseWhen(context => !context.Request.Path.StartsWithSegments(hubPath), branch => branch.UseAuthorization());

    static async Task ContinueAsync(HttpContext context, Task<AuthenticateResult?> authentication, RequestDelegate next) =>
        await Continue(context, await authentication, next);

    static Task Continue(HttpContext context, AuthenticateResult? result, RequestDelegate next)
    {
        if (result is null)
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Bearer";
            return Task.CompletedTask;
        }
        var features = new HubAuthenticationFeatures(result);
        context.Features.Set<IHttpAuthenticationFeature>(features);
        context.Features.Set<IAuthenticateResultFeature>(features);
        return next(context);
    }

    /// <summary>Kept apart from the middleware so nothing of the validated token stays referenced by its state machine.</summary>
    static async Task<AuthenticateResult?> AuthenticateAsync(HttpContext context, JsonWebTokenHandler handler, TokenValidationParameters parameters)
    {
        var token = Token(context);
        if (token is null)
            return null;

        var validation = await handler.ValidateTokenAsync(token, parameters);
        if (!validation.IsValid || validation.SecurityToken is not JsonWebToken jwt)
            return null;
        if (!jwt.TryGetPayloadValue<string>(JwtRegisteredClaimNames.Sub, out var sub) || string.IsNullOrEmpty(sub))
            return null;

        var claims = new List<Claim>(2) { new(JwtRegisteredClaimNames.Sub, sub) };
        if (jwt.TryGetPayloadValue<string>("role", out var role) && !string.IsNullOrEmpty(role))
            claims.Add(new Claim("role", role));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, "Bearer", JwtRegisteredClaimNames.Sub, "role"));
        var properties = new AuthenticationProperties
        {
            IssuedUtc = jwt.IssuedAt == DateTime.MinValue ? null : new DateTimeOffset(jwt.IssuedAt, TimeSpan.Zero),
            ExpiresUtc = jwt.ValidTo == DateTime.MinValue ? null : new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero)
        };
        return AuthenticateResult.Success(new AuthenticationTicket(principal, properties, "Bearer"));
    }

    static string? Token(HttpContext context)
    {
        if (context.Request.Query.TryGetValue("access_token", out var query) && !StringValues.IsNullOrEmpty(query))
            return query.ToString();
        var header = context.Request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
    }

    sealed class HubAuthenticationFeatures(AuthenticateResult result) : IHttpAuthenticationFeature, IAuthenticateResultFeature
    {
        AuthenticateResult? _result = result;
        ClaimsPrincipal? _user = result.Principal;

        public AuthenticateResult? AuthenticateResult
        {
            get => _result;
            set
            {
                _result = value;
                _user = value?.Principal;
            }
        }

        public ClaimsPrincipal? User
        {
            get => _user;
            set
            {
                _user = value;
                _result = null;
            }
        }
    }
}
