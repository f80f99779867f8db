using SoukLoop.Persistence;
using SoukLoop.ServiceDefaults;

namespace SoukLoop.Workers;

public static class WorkersExtensions
{
    public static WebApplicationBuilder AddSoukWorkers(this WebApplicationBuilder builder)
    {
        builder.Services.AddSoukPersistence(builder.Configuration);
        builder.Services.AddSoukHealthChecks(builder.Configuration);
        builder.Services.AddSoukMessaging(builder.Configuration);
        return builder;
    }
}
