using Scheduler.Host.Api;
using Scheduler.Host.Dashboard;
using Scheduler.Host.Hosting;

// dask-scheduler compatible entry point: flags first, then appsettings.json (next to the binary).
var (settings, ignored) = CommandLine.Parse(args);
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
builder.Configuration.AddInMemoryCollection(settings);
builder.AddScheduler();
builder.AddApi();
builder.AddDashboard();

var app = builder.Build();
foreach (var flag in ignored) app.Logger.LogWarning("ignoring unsupported dask-scheduler option {Flag}", flag);
app.MapApi();
app.MapDashboard();
app.PublishAddressOnStart();
app.Run();
