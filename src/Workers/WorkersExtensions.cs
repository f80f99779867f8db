using SoukLoop.Persistence;
using SoukLoop.Persistence.Scheduling;
using SoukLoop.Workers.Messaging;
using SoukLoop.Workers.Offers;
using SoukLoop.ServiceDefaults;

namespace SoukLoop.Workers;

public static class WorkersExtensions
{
    public static WebApplicationBuilder AddSoukWorkers(this WebApplicationBuilder builder)
    {
        builder.Services.AddSoukPersistence(builder.Configuration);
        builder.Services.AddSoukHealthChecks(builder.Configuration);
        builder.Services.AddSoukMessaging(builder.Configuration, x =>
        {
            x.AddPostgresScheduler(builder.Configuration);
            x.AddOffers(builder.Configuration);
            x.AddConversationMessaging(builder.Configuration);
        });
        return builder;
    }
}
