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

    /// <param name="traceHttpServer">
    /// false: no span per incoming HTTP request. The Realtime node turns it off: its requests are hub connections, and
    /// the request's Activity (with its tags) would stay alive for the whole life of each WebSocket — memory per idle
    /// connection for a span hours long; it traces each hub invocation instead (<paramref name="extraSources"/>).
    /// </param>
    /// <param name="extraSources">further ActivitySources to trace.</param>
    public static TBuilder AddSoukTelemetry<TBuilder>(this TBuilder builder, string serviceName, bool traceHttpServer = true,
        params string[] extraSources) where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.Configure(o => o.ActivityTrackingOptions =
            ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);
        builder.Logging.AddSimpleConsole(o => o.IncludeScopes = true);

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName))
            .WithMetrics(m => m
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(SoukMeters.All)
                .AddPrometheusExporter())
            .WithTracing(t =>
            {
                if (traceHttpServer)
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
