using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using SoukLoop.Api.Infrastructure;
using SoukLoop.ServiceDefaults;

namespace SoukLoop.Api.Features.Support;

/// <summary>Marks routes that only support staff may know about.</summary>
public sealed class SupportOnlyMetadata;

public static class SupportAccess
{
    /// <summary>
    /// The <c>support</c> policy (role claim <c>support</c>), answered like an unknown route for everyone else:
    /// 404 <c>not_found</c> for anonymous callers, bad tokens and other users alike, never 401/403. The check runs in
    /// the authorization middleware, before the body is read, so a malformed body does not give the route away either.
    /// </summary>
    public static TBuilder SupportOnly<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(AuthExtensions.SupportPolicy).WithMetadata(new SupportOnlyMetadata());

    /// <summary>
    /// After authentication: a request under <c>/api/v1/support</c> that matched no support endpoint (a wrong method
    /// answers 405 elsewhere) is a plain 404 for anyone without the role, so not even the method gives a route away.
    /// </summary>
    public static WebApplication UseSupportRouteHiding(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/api/v1/support")
                && context.GetEndpoint()?.Metadata.GetMetadata<SupportOnlyMetadata>() == null
                && !context.User.HasClaim("role", "support"))
                return ProblemConventions.WriteAsync(context, StatusCodes.Status404NotFound, ProblemCodes.NotFound,
                    $"Nothing is found at {context.Request.Method} {context.Request.Path}.");
            return next(context);
        });
        return app;
    }

    public static IServiceCollection AddSupportAccess(this IServiceCollection services) =>
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, HiddenRouteAuthorizationResultHandler>();
}

public sealed class HiddenRouteAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    readonly AuthorizationMiddlewareResultHandler _default = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (!authorizeResult.Succeeded && context.GetEndpoint()?.Metadata.GetMetadata<SupportOnlyMetadata>() != null)
            return ProblemConventions.WriteAsync(context, StatusCodes.Status404NotFound, ProblemCodes.NotFound,
                $"Nothing is found at {context.Request.Method} {context.Request.Path}.");
        return _default.HandleAsync(next, context, policy, authorizeResult);
    }
}
