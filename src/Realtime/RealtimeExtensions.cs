using System.Runtime;
using MassTransit;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SoukLoop.Persistence;
using SoukLoop.Realtime.Consumers;
using SoukLoop.Realtime.Hubs;
using SoukLoop.Realtime.Infrastructure;
using SoukLoop.Realtime.State;
using SoukLoop.ServiceDefaults;

namespace SoukLoop.Realtime;

public static class RealtimeExtensions
{
    public const string HubPath = "/hubs/realtime";

    /// <summary>SignalR's own ActivitySource: one span per hub method invocation (and per connect / disconnect).</summary>
    const string SignalRServerActivitySource = "Microsoft.AspNetCore.SignalR.Server";

    public static WebApplicationBuilder AddSoukRealtime(this WebApplicationBuilder builder)
    {
        // Console (and OTLP when configured) only, without the default Debug and EventSource providers: with more than one
        // provider every log scope — Kestrel's and SignalR's per connection, alive as long as each WebSocket — is wrapped
        // once more per provider.
        builder.Logging.ClearProviders();
        // No span per HTTP request (it would live as long as each WebSocket); one span per hub invocation instead.
        builder.AddSoukTelemetry("souk-realtime", instrumentHttpRequests: false, SignalRServerActivitySource);
        var configuration = builder.Configuration;
        builder.Services.AddSoukPersistence(configuration);
        builder.Services.AddSoukHealthChecks(configuration);
        builder.Services.AddSoukAuth(configuration, builder.Environment);
        builder.Services.AddSoukMessaging(configuration, x =>
        {
            AddConsumers(x);
        });

        builder.Services.AddOptions<RealtimeOptions>()
            .Bind(configuration.GetSection(RealtimeOptions.Section))
            .Validate(o => !o.Validate().Any(), "Invalid Realtime options: check Realtime:* settings.")
            .ValidateOnStart();

        builder.Services.AddMemoryCache(o => o.SizeLimit = 100_000);
        builder.Services.AddSingleton<ConnectionCounter>();
        builder.Services.AddSingleton<MessageSendLimiter>();
        builder.Services.AddSingleton<RealtimeRedis>();
        builder.Services.AddSingleton<PresenceStore>();
        builder.Services.AddSingleton<TypingStore>();
        builder.Services.AddSingleton<OfferFeedStore>();
        builder.Services.AddScoped<ConversationDirectory>();
        builder.Services.AddScoped<PresenceNotifier>();
        builder.Services.AddScoped<HubCommands>();
        builder.Services.AddHostedService<RealtimeSweeper>();

        builder.Services.AddSignalR(o =>
            {
                o.AddFilter<HubErrorFilter>();
                o.EnableDetailedErrors = builder.Environment.IsDevelopment();
            })
            .AddJsonProtocol(o => RealtimeJson.Configure(o.PayloadSerializerOptions));
        // The backplane: a send to a group on any node reaches that group's connections on every node, through one Redis
        // subscription per node (RedisBackplane), channel prefix Realtime:BackplaneChannelPrefix.
        builder.Services.Replace(ServiceDescriptor.Singleton(typeof(HubLifetimeManager<>), typeof(RedisBackplane<>)));
        // Clients.User(id): a user's devices, by the token's subject.
        builder.Services.Replace(ServiceDescriptor.Singleton<IUserIdProvider, SubjectUserIdProvider>());
        return builder;
    }

    /// <summary>
    /// One consumer per event, each on a queue of its own named <c>realtime-…</c>: every Realtime node binds the same
    /// queue, so the nodes compete and each event is handled once per cluster; the backplane fans it out to every node.
    /// </summary>
    static void AddConsumers(IBusRegistrationConfigurator x)
    {
        x.AddConsumer<MessageSentConsumer>().Endpoint(e => e.Name = MessageSentConsumer.Queue);
        x.AddConsumer<ConversationReadConsumer>().Endpoint(e => e.Name = ConversationReadConsumer.Queue);
        x.AddConsumer<MessageReadConsumer>().Endpoint(e => e.Name = MessageReadConsumer.Queue);
        x.AddConsumer<OfferMadeConsumer>().Endpoint(e => e.Name = OfferMadeConsumer.Queue);
        x.AddConsumer<OfferCounteredConsumer>().Endpoint(e => e.Name = OfferCounteredConsumer.Queue);
        x.AddConsumer<OfferAcceptedConsumer>().Endpoint(e => e.Name = OfferAcceptedConsumer.Queue);
        x.AddConsumer<OfferDeclinedConsumer>().Endpoint(e => e.Name = OfferDeclinedConsumer.Queue);
        x.AddConsumer<OfferWithdrawnConsumer>().Endpoint(e => e.Name = OfferWithdrawnConsumer.Queue);
        x.AddConsumer<OfferExpiredConsumer>().Endpoint(e => e.Name = OfferExpiredConsumer.Queue);
        x.AddConfigureEndpointsCallback((name, cfg) =>
        {
            if (name.StartsWith("realtime-", StringComparison.Ordinal))
                cfg.UseMessageRetry(r => r.Intervals(100, 500, 2000));
        });
    }

    /// <summary>Authentication (JWT from the header or the access_token query parameter; lean on the hub path, which refuses anonymous requests), then authorization on the other paths.</summary>
    public static WebApplication UseSoukRealtime(this WebApplication app)
    {
        app.UseSoukAuthentication(HubPath);
        app.UseSoukAuthorization(HubPath);
        return app;
    }

    public static WebApplication MapSoukRealtime(this WebApplication app)
    {
        app.MapHub<RealtimeHub>(HubPath, o =>
        {
            o.Transports = HttpTransportType.WebSockets | HttpTransportType.ServerSentEvents | HttpTransportType.LongPolling;
            // A connection whose token expires is closed; the client reconnects with a fresh token.
            o.CloseOnAuthenticationExpiration = true;
        });

        if (app.Services.GetRequiredService<IOptions<RealtimeOptions>>().Value.Diagnostics)
            app.MapGet("/debug/realtime", (bool? gc, ConnectionCounter counter) =>
            {
                if (gc == true)
                {
                    GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
                    GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
                    GC.WaitForPendingFinalizers();
                    GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
                }
                using var process = System.Diagnostics.Process.GetCurrentProcess();
                var info = GC.GetGCMemoryInfo();
                return Results.Ok(new
                {
                    connections = counter.Open,
                    working_set_bytes = process.WorkingSet64,
                    private_bytes = process.PrivateMemorySize64,
                    gc_heap_bytes = GC.GetTotalMemory(false),
                    gc_heap_size_bytes = info.HeapSizeBytes,
                    gc_committed_bytes = info.TotalCommittedBytes,
                    server_gc = GCSettings.IsServerGC,
                    thread_count = process.Threads.Count
                });
            }).AllowAnonymous();

        app.MapSoukMetrics();
        return app;
    }
}
