using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace SoukLoop.ServiceDefaults;

/// <summary>
/// Metrics and traces for every app: Prometheus at <c>/metrics</c>; traces from ASP.NET Core, HttpClient and
/// MassTransit (W3C trace context travels in the message headers, so one offer is one trace from the REST call
/// through RabbitMQ into the saga); the trace and span ids in every log line; OTLP export only when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is configured.
/// </summary>
public static class TelemetryExtensions
{
    public const string MetricsPath = "/metrics";

    /// <summary>
    /// ASP.NET Core's connection-level meters (kestrel.*, signalr.server.*, routing, diagnostics) without the per-request
    /// http.server.* meter, whose tags feature every WebSocket request would keep and whose durations are hours long.
    /// </summary>
    static readonly string[] ConnectionMeters =
    [
        "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Http.Connections",
        "Microsoft.AspNetCore.Routing", "Microsoft.AspNetCore.Diagnostics", "Microsoft.AspNetCore.RateLimiting"
    ];

    /// <param name="instrumentHttpRequests">
    /// false: no span and no http.server.* measurement per incoming HTTP request. The Realtime node turns it off: its
    /// requests are hub connections, and the request's Activity (with its tags) would stay alive for the whole life of
    /// each WebSocket — memory per idle connection for a span hours long; it traces each hub invocation instead
    /// (<paramref name="extraSources"/>) and measures connections (kestrel.*, signalr.server.*) rather than requests.
    /// </param>
    /// <param name="extraSources">further ActivitySources to trace.</param>
    public static TBuilder AddSoukTelemetry<TBuilder>(this TBuilder builder, string serviceName, bool instrumentHttpRequests = true,
        params string[] extraSources) where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.Configure(o => o.ActivityTrackingOptions =
            ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);
        builder.Logging.AddSimpleConsole(o => o.IncludeScopes = true);

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName))
            .WithMetrics(m =>
            {
                // The instrumentation package adds http.server.* and a middleware around every request; the Realtime node,
                // whose requests are WebSockets alive for hours, takes the connection-level meters instead.
                if (instrumentHttpRequests)
                    m.AddAspNetCoreInstrumentation();
                else
                    m.AddMeter(ConnectionMeters);
                m.AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddMeter(SoukMeters.All)
                    .AddPrometheusExporter();
            })
            .WithTracing(t =>
            {
                if (instrumentHttpRequests)
                    t.AddAspNetCoreInstrumentation(o => o.Filter = http => !IsScrapeOrProbe(http.Request.Path));
                t.AddHttpClientInstrumentation()
                    .AddSource(SoukMeters.MassTransit)
                    .AddSource(SoukMeters.RealtimePush)
                    .AddSource(extraSources);
            });

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
            telemetry.UseOtlpExporter();
        return builder;
    }

    /// <summary>Prometheus scrape endpoint at <c>/metrics</c>, open like the health probes.</summary>
    public static WebApplication MapSoukMetrics(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint(MetricsPath).AllowAnonymous();
        return app;
    }

    static bool IsScrapeOrProbe(PathString path) =>
        path.StartsWithSegments(MetricsPath) || path.StartsWithSegments("/health");
}
