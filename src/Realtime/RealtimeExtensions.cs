using SoukLoop.Persistence;
using SoukLoop.ServiceDefaults;

namespace SoukLoop.Realtime;

public static class RealtimeExtensions
{
    public static WebApplicationBuilder AddSoukRealtime(this WebApplicationBuilder builder)
    {
        builder.AddSoukTelemetry("souk-realtime");
        builder.Services.AddSoukPersistence(builder.Configuration);
        builder.Services.AddSoukHealthChecks(builder.Configuration);
        builder.Services.AddSoukAuth(builder.Configuration, builder.Environment);
        builder.Services.AddSoukMessaging(builder.Configuration);
        return builder;
    }

    public static WebApplication MapSoukRealtime(this WebApplication app)
    {
        app.MapSoukMetrics();
        return app;
    }
}
