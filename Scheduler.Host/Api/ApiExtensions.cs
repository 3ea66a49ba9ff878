using OpenTelemetry.Metrics;
using Scheduler.Host.Metrics;

namespace Scheduler.Host.Api;

/// <summary>Composition of the HTTP surface: REST API (+ OpenAPI document), Dask's routes, /metrics, /health.</summary>
public static class ApiExtensions
{
    public static WebApplicationBuilder AddApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<StateReader>();
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<BusySchedulerHandler>();
        builder.Services.AddOpenApi();
        builder.Services.AddSingleton<SchedulerMetrics>();
        builder.Services.AddOpenTelemetry().WithMetrics(m => m
            .AddMeter(SchedulerMetrics.MeterName)
            .AddPrometheusExporter(o => o.DisableTotalNameSuffixForCounters = false));
        return builder;
    }

    public static WebApplication MapApi(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        // The meter's instruments exist once the metrics object does.
        app.Services.GetRequiredService<SchedulerMetrics>();
        app.MapGet("/health", () => "ok").WithTags("Dask");
        app.MapOpenApi();
        app.MapSchedulerApi();
        app.MapHistoryApi();
        app.MapDaskHttpRoutes();
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}
