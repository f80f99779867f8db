using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Features.Authentication;
using Microsoft.AspNetCore.WebUtilities;
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
/// with the user id plus the token's expiry are kept. The expiry makes <c>CloseOnAuthenticationExpiration</c>
/// close the connection when the token runs out. A missing or invalid token is refused with 401 and
/// <c>WWW-Authenticate: Bearer</c>, here rather than through the hub's [Authorize] and the authorization middleware,
/// whose per-request state would stay referenced by every WebSocket. Every other path uses the regular middlewares.
/// <para>
/// The token itself is not kept either: it is read from the raw query string (not through <c>Request.Query</c>, whose
/// parsed copy would live with the request), then the query string is rewritten without it and the Authorization header
/// is removed, so SignalR parses only its own parameters (<c>id</c>). Kestrel still caches the request line it parsed
/// (one copy of the target, one of the query string) for the life of the connection; that is out of our reach.
/// </para>
/// </summary>
public static class HubAuthentication
{
    const string AuthenticationMiddlewareSetKey = "__AuthenticationMiddlewareSet";
    const string AuthorizationMiddlewareSetKey = "__AuthorizationMiddlewareSet";
    const string TokenParameter = "access_token";

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
    public static IApplicationBuilder UseSoukAuthorization(this IApplicationBuilder app, PathString hubPath)
    {
        // The hub carries no [Authorize] (the middleware above refuses anonymous requests), so the authorization
        // middleware — whose state (and the HttpContext.Items entry it writes) would stay alive with every WebSocket —
        // runs on the other paths only. The marker stops WebApplication from adding it in front of every path anyway
        // (AuthorizationMiddlewareSetKey of AuthorizationAppBuilderExtensions; the branch's own marker stays in the branch).
        app.Properties[AuthorizationMiddlewareSetKey] = true;
        return app.UseWhen(context => !context.Request.Path.StartsWithSegments(hubPath), branch => branch.UseAuthorization());
    }

    static async Task ContinueAsync(HttpContext context, Task<HubUser?> authentication, RequestDelegate next) =>
        await Continue(context, await authentication, next);

    static Task Continue(HttpContext context, HubUser? user, RequestDelegate next)
    {
        if (user is null)
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Bearer";
            return Task.CompletedTask;
        }
        var features = new HubAuthenticationFeatures(user.Principal, user.Expires);
        context.Features.Set<IHttpAuthenticationFeature>(features);
        context.Features.Set<IAuthenticateResultFeature>(features);
        return next(context);
    }

    /// <summary>Kept apart from the middleware so nothing of the validated token stays referenced by its state machine.</summary>
    static async Task<HubUser?> AuthenticateAsync(HttpContext context, JsonWebTokenHandler handler, TokenValidationParameters parameters)
    {
        var token = Token(context);
        if (token is null)
            return null;

        var validation = await handler.ValidateTokenAsync(token, parameters);
        if (!validation.IsValid || validation.SecurityToken is not JsonWebToken jwt)
            return null;
        if (!jwt.TryGetPayloadValue<string>(JwtRegisteredClaimNames.Sub, out var sub) || string.IsNullOrEmpty(sub))
            return null;

        // The subject only: nothing on the hub path reads the role.
        return new HubUser(new HubPrincipal(sub), jwt.ValidTo == DateTime.MinValue ? null : new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero));
    }

    sealed record HubUser(ClaimsPrincipal Principal, DateTimeOffset? Expires);

    /// <summary>
    /// The bearer token of a hub request, taken out of the request: from the <c>access_token</c> query parameter (the
    /// query string is rewritten without it) or else from the Authorization header (which is removed).
    /// </summary>
    static string? Token(HttpContext context)
    {
        var request = context.Request;
        if (TakeQueryParameter(request, TokenParameter) is { Length: > 0 } fromQuery)
            return fromQuery;
        var header = request.Headers.Authorization.ToString();
        if (header.Length > 0)
            request.Headers.Authorization = StringValues.Empty;
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
    }

    /// <summary>The first value of <paramref name="name"/> in the raw query string, which is rewritten without any of its values.</summary>
    static string? TakeQueryParameter(HttpRequest request, string name)
    {
        var query = request.QueryString.Value;
        if (string.IsNullOrEmpty(query) || !query.Contains(name, StringComparison.Ordinal))
            return null;

        string? value = null;
        var rest = new StringBuilder(query.Length);
        foreach (var pair in new QueryStringEnumerable(query))
        {
            if (pair.DecodeName().Span.SequenceEqual(name))
                value ??= pair.DecodeValue().ToString();
            else
                rest.Append(rest.Length == 0 ? '?' : '&').Append(pair.EncodedName).Append('=').Append(pair.EncodedValue);
        }
        request.QueryString = rest.Length == 0 ? QueryString.Empty : new QueryString(rest.ToString());
        return value;
    }

    /// <summary>
    /// The user of a hub request. The authentication result SignalR asks for once (for the token's expiry, which closes
    /// the connection when it passes) is built on demand rather than kept: ticket, properties and their dictionaries
    /// would otherwise stay alive with every WebSocket.
    /// </summary>
    sealed class HubAuthenticationFeatures(ClaimsPrincipal user, DateTimeOffset? expires) : IHttpAuthenticationFeature, IAuthenticateResultFeature
    {
        ClaimsPrincipal? _user = user;
        DateTimeOffset? _expires = expires;
        // Setting the user alone (as ASP.NET Core's own feature does) leaves no authentication result.
        bool _authenticated = true;

        public AuthenticateResult? AuthenticateResult
        {
            get => _authenticated && _user is not null
                ? AuthenticateResult.Success(new AuthenticationTicket(_user, new AuthenticationProperties { ExpiresUtc = _expires }, "Bearer"))
                : null;
            set
            {
                _user = value?.Principal;
                _expires = value?.Properties?.ExpiresUtc;
                _authenticated = value is not null;
            }
        }

        public ClaimsPrincipal? User
        {
            get => _user;
            set
            {
                _user = value;
                _authenticated = false;
            }
        }
    }
}
