using SoukLoop.Persistence;
using SoukLoop.Persistence.Scheduling;
using SoukLoop.Workers.Messaging;
using SoukLoop.Workers.Offers;
using SoukLoop.Workers.Support;
using SoukLoop.Workers.Notifications;
using SoukLoop.Workers.Payments;
using SoukLoop.ServiceDefaults;

namespace SoukLoop.Workers;

public static class WorkersExtensions
{
    public static WebApplicationBuilder AddSoukWorkers(this WebApplicationBuilder builder)
    {
        builder.AddSoukTelemetry("souk-workers");
        builder.Services.AddSoukPersistence(builder.Configuration);
        builder.Services.AddPersistenceUpkeep(builder.Configuration);
        builder.Services.AddSoukHealthChecks(builder.Configuration);
        builder.Services.AddSoukMessaging(builder.Configuration, x =>
        {
            x.AddPostgresScheduler(builder.Configuration);
            x.AddOffers(builder.Configuration);
            x.AddConversationMessaging(builder.Configuration);
            x.AddFaultRecording();
            x.AddStateMachineGraphs();
            x.AddPayments(builder.Configuration);
            x.AddNotifications(builder.Configuration);
        });
        return builder;
    }
}
