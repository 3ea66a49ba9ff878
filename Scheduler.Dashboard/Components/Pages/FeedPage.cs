using Microsoft.AspNetCore.Components;
using Scheduler.Dashboard.Services;

namespace Scheduler.Dashboard.Components.Pages;

/// <summary>
/// A page that re-renders from the cluster feed's latest snapshot: it subscribes when it starts, re-renders on
/// the circuit's thread (InvokeAsync) when a new snapshot arrives, and unsubscribes when it goes.
/// </summary>
public abstract class FeedPage : ComponentBase, IDisposable
{
    [Inject] protected ClusterFeed Feed { get; set; } = null!;

    private IDisposable? _subscription;

    protected DashboardSnapshot? Snapshot => Feed.Current;

    protected string? Error => Feed.Error;

    protected override async Task OnInitializedAsync()
    {
        if (Feed.Current == null) await Feed.RefreshAsync();
        _subscription = Feed.Subscribe(() => InvokeAsync(StateHasChanged));
    }

    public void Dispose()
    {
        _subscription?.Dispose();
        GC.SuppressFinalize(this);
    }
}
