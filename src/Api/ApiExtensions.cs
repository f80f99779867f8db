using SoukLoop.Api.Features.Conversations;
using SoukLoop.Api.Features.Offers;
using SoukLoop.Api.Features.Support;
using SoukLoop.Api.Features.Devices;
using SoukLoop.Api.Features.Payments;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SoukLoop.Api.Features.Auth;
using SoukLoop.Api.Features.Products;
using SoukLoop.Api.Features.Users;
using SoukLoop.Api.Idempotency;
using SoukLoop.Api.Infrastructure;
using SoukLoop.Persistence;
using SoukLoop.Persistence.Model;
using SoukLoop.ServiceDefaults;

namespace SoukLoop.Api;

public static class ApiExtensions
{
    public const string BasePath = "/api/v1";

    public static WebApplicationBuilder AddSoukApi(this WebApplicationBuilder builder)
    {
        builder.AddSoukTelemetry("souk-api");
        builder.Services.AddSoukPersistence(builder.Configuration);
        builder.Services.AddSoukHealthChecks(builder.Configuration);
        builder.Services.AddSoukAuth(builder.Configuration, builder.Environment);
        builder.Services.AddOfferEndpoints(builder.Configuration);
        builder.Services.AddConversationEndpoints(builder.Configuration);
        builder.Services.AddSupport(builder.Configuration);
        builder.Services.AddPaymentEndpoints(builder.Configuration);
        builder.Services.AddSoukMessaging(builder.Configuration, x =>
        {
            x.AddOfferRequestClients();
            x.AddSupportRequestClients();
        });

        var apiOptions = builder.Configuration.GetSection(ApiOptions.Section).Get<ApiOptions>() ?? new ApiOptions();
        builder.Services.AddOptions<ApiOptions>().Bind(builder.Configuration.GetSection(ApiOptions.Section));
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = apiOptions.MaxRequestBodyBytes);

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.ConfigureHttpJsonOptions(o => ApiJson.Configure(o.SerializerOptions));
        // Binding failures (malformed JSON, wrong types, missing body) throw, so the exception handler can answer them.
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddSoukProblemDetails();
        builder.Services.AddExceptionHandler<SoukExceptionHandler>();
        builder.Services.AddSoukAuthProblems();
        builder.Services.AddSoukOpenApi();
        builder.Services.AddSoukIdempotency(builder.Configuration);

        builder.Services.AddSingleton<IPasswordHasher<User>, PasswordHasher<User>>();
        builder.Services.AddSingleton<PasswordService>();
        return builder;
    }

    public static WebApplication UseSoukApi(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages(); // 404 unknown route, 405 wrong method, 415 … as problem+json
        app.UseSupportConsole();
        app.UseRouting();
        app.UseMiddleware<RequestBodyLimitMiddleware>();
        app.UseAuthentication();
        app.UseSupportRouteHiding();
        app.UseAuthorization();
        app.UseRateLimiter(); // after authentication: the send budget is per user
        return app;
    }

    public static WebApplication MapSoukApi(this WebApplication app)
    {
        var api = app.MapGroup(BasePath);
        api.MapAuth();
        api.MapUsers();
        api.MapProducts();
        api.MapOffers();
        api.MapConversations();
        api.MapSupport();
        api.MapPayments();
        api.MapDevices();
        app.MapSoukOpenApi();
        app.MapSoukMetrics();
        return app;
    }
}
