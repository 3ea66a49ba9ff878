using Scheduler.Dashboard.Components;
using Scheduler.Dashboard.Services;
using Scheduler.Host.Hosting;

namespace Scheduler.Host.Dashboard;

/// <summary>Composition of the Blazor dashboard (interactive server rendering; its circuit is SignalR).</summary>
public static class DashboardExtensions
{
    public static WebApplicationBuilder AddDashboard(this WebApplicationBuilder builder)
    {
        // The dashboard's framework script and the component library's assets are served from their packages'
        // manifests: without this a built (not published) host in Production answers 500 for blazor.web.js.
        builder.WebHost.UseStaticWebAssets();
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddSingleton<IClusterReader, DashboardClusterReader>();
        builder.Services.AddSingleton<IHistoryReader, DashboardHistoryReader>();
        builder.Services.AddSingleton<ClusterFeed>();
        return builder;
    }

    public static WebApplication MapDashboard(this WebApplication app)
    {
        app.UseStaticFiles();
        if (app.Services.GetRequiredService<SchedulerOptions>().NoDashboard) return app;
        app.UseAntiforgery();
        app.MapStaticAssets();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
