using System.Text.Json;
using Scheduler.Tests.Support;

namespace Scheduler.Tests.Interop.Dask2024;

/// <summary>
/// A real Dask 2024.12.1 client and worker (Debian 13 chroot) against our scheduler: the client sends graphs as
/// pickles, which the scheduler reads symbolically (never unpickling) and re-emits per task for the worker.
/// </summary>
[Collection("dask2024")]
public sealed class Dask2024FuturesAndCollectionsTests
{
    private static JsonElement LastJson(string stdout) => JsonDocument.Parse(stdout.Trim().Split('\n')[^1]).RootElement;

    [TrixieFact]
    public async Task Futures_run_with_results_errors_scatter_tuple_keys_and_cancellation()
    {
        await using var cluster = await Dask2024Cluster.StartAsync(workers: 2);
        var o = LastJson(await cluster.RunClientCheckedAsync("futures.py"));
        Assert.Equal(3, o.GetProperty("submit").GetInt32());
        Assert.Equal(4, o.GetProperty("dependent").GetInt32());
        Assert.Equal(Enumerable.Range(1, 10), o.GetProperty("map").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal([0, 3, 6], o.GetProperty("map_kwargs").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(5, o.GetProperty("nested_futures").GetInt32());
        Assert.Equal([10, 20], o.GetProperty("scatter").EnumerateArray().Select(e => e.GetInt32()));
        Assert.True(o.GetProperty("who_has_keys").GetBoolean());
        Assert.Equal(7, o.GetProperty("tuple_scatter").GetInt32());
        Assert.Equal("[\"answer\",0]", o.GetProperty("tuple_key")[0].GetRawText().Replace(" ", ""));
        Assert.Equal(42, o.GetProperty("tuple_key")[1].GetInt32());
        Assert.Equal("bad 5", o.GetProperty("error").GetString());
        Assert.True(o.GetProperty("traceback").GetBoolean());
        Assert.Equal("cancelled", o.GetProperty("cancelled").GetString());
        Assert.Equal(2_000_000, o.GetProperty("big_arg").GetInt32());
        Assert.False(cluster.Scheduler.HasExited);
    }

    [TrixieFact]
    public async Task Delayed_and_arrays_compute_to_the_right_values()
    {
        await using var cluster = await Dask2024Cluster.StartAsync(workers: 2);
        var o = LastJson(await cluster.RunClientCheckedAsync("delayed_arrays.py"));
        Assert.Equal(5, o.GetProperty("delayed").GetInt32());
        Assert.Equal(Enumerable.Range(1, 50).Sum(), o.GetProperty("delayed_sum").GetInt32());
        Assert.Equal(3200.0, o.GetProperty("array_sum").GetDouble());
        Assert.Equal(49.5, o.GetProperty("array_mean").GetDouble());
        Assert.Equal(40.0, o.GetProperty("array_matmul").GetDouble());
        Assert.Equal(1600.0, o.GetProperty("persist").GetDouble());
        Assert.True(o.GetProperty("array_axis_mean").GetBoolean());
    }

    [TrixieFact]
    public async Task A_graph_big_enough_to_be_built_in_ranges_computes_the_right_value()
    {
        // Without the harness's per-transition validation: it checks the whole state each time, quadratic in 10k tasks.
        await using var cluster = await Dask2024Cluster.StartAsync(workers: 2,
            env: new Dictionary<string, string> { ["DASK_DISTRIBUTED__SCHEDULER__VALIDATE"] = "False" });
        var o = LastJson(await cluster.RunClientCheckedAsync("big_delayed.py"));
        Assert.Equal(10_101, o.GetProperty("tasks").GetInt32());
        Assert.Equal(Enumerable.Range(1, 10_000).Sum(), o.GetProperty("total").GetInt32());
        Assert.False(cluster.Scheduler.HasExited);
    }
}

[Collection("dask2024")]
public sealed class Dask2024RefusalTests
{
    [TrixieFact]
    public async Task A_layer_not_yet_expanded_errs_that_graph_naming_it_and_other_work_goes_on()
    {
        await using var cluster = await Dask2024Cluster.StartAsync(workers: 1);
        var stdout = await cluster.RunClientCheckedAsync("refused_layer.py");
        var o = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]).RootElement;
        Assert.Equal(2, o.GetProperty("before").GetInt32());
        Assert.Matches("cannot expand the graph layer dask\\.(layers\\.DataFrameTreeReduction|blockwise\\.Blockwise)", o.GetProperty("refused").GetString());
        Assert.Equal(2, o.GetProperty("before_still").GetInt32());
        Assert.Equal(12, o.GetProperty("after").GetInt32());
        Assert.False(cluster.Scheduler.HasExited);
    }
}
