using Microsoft.EntityFrameworkCore;

namespace Scheduler.Host.Persistence;

/// <summary>Composition of the task history: options, the SQLite context factory, the writer.</summary>
public static class HistoryExtensions
{
    public const string DefaultConnectionString = "Data Source=scheduler-history.db";

    /// <summary>Registers the history (unless History:Enabled is false). Call before the actor's hosted service.</summary>
    public static WebApplicationBuilder AddHistory(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection("History").Get<HistoryOptions>() ?? new HistoryOptions();
        builder.Services.AddSingleton(options);
        var connection = builder.Configuration.GetConnectionString("History") ?? DefaultConnectionString;
        builder.Services.AddDbContextFactory<HistoryDb>(o => o.UseSqlite(connection).AddInterceptors(new SqlitePragmas()));
        if (!options.Enabled) return builder;
        builder.Services.AddSingleton<HistoryWriter>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<HistoryWriter>());
        return builder;
    }
}
