using SoukLoop.Persistence;
using SoukLoop.ServiceDefaults;

namespace SoukLoop.Api;

public static class ApiExtensions
{
    public static WebApplicationBuilder AddSoukApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddSoukPersistence(builder.Configuration);
        builder.Services.AddSoukHealthChecks(builder.Configuration);
        builder.Services.AddSoukAuth(builder.Configuration, builder.Environment);
        builder.Services.AddSoukMessaging(builder.Configuration);
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
        return app;
    }
}
