using SoukLoop.Api.Offers;
using SoukLoop.Persistence;
using SoukLoop.ServiceDefaults;

namespace SoukLoop.Api;

public static class ApiExtensions
{
    public static WebApplicationBuilder AddSoukApi(this WebApplicationBuilder builder)
    {
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower;
            o.SerializerOptions.DictionaryKeyPolicy = null;
        });
        builder.Services.AddSoukPersistence(builder.Configuration);
        builder.Services.AddSoukHealthChecks(builder.Configuration);
        builder.Services.AddSoukAuth(builder.Configuration, builder.Environment);
        builder.Services.AddOfferEndpoints(builder.Configuration);
        builder.Services.AddSoukMessaging(builder.Configuration, x => x.AddOfferRequestClients());
        return builder;
    }

    public static WebApplication UseSoukApi(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        return app;
    }

    public static WebApplication MapSoukApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1");
        api.MapOffers();
        return app;
    }
}
