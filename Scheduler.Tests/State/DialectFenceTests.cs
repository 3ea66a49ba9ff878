using Scheduler.Core.Protocol;
using Scheduler.Core.Protocol.Dialects;
using Scheduler.Core.State;
using Scheduler.Core.Views;

namespace Scheduler.Tests.State;

/// <summary>
/// A task runs only on workers of its client's Dask version: with workers of another version only, it waits in
/// no-worker and the views say why, until a worker of its version arrives.
/// </summary>
public class DialectFenceTests
{
    private const string W22 = "tcp://127.0.0.1:1", W24 = "tcp://127.0.0.1:2", C = "Client-2024";

    private static Harness With2024Client()
    {
        var h = new Harness();
        h.Send(new ClientConnected(7, C, new MsgMap().Add("op", "register-client").Add("client", C)) { Dialect = DaskDialect.Dask2024 });
        return h;
    }

    [Fact]
    public void A_2024_task_with_only_2022_workers_waits_and_the_summary_says_why()
    {
        var h = With2024Client();
        h.AddWorker(W22, dialect: DaskDialect.Dask2022);
        var cmds = h.Submit(C, [("x", [])], ["x"]);

        Assert.Empty(Harness.ComputeTasks(cmds));
        Assert.Equal(TaskStatus.NoWorker, h.StatusOf("x"));
        var wait = Assert.Single(StateViews.Summary(h.State).WaitingForVersion);
        Assert.Equal(("2024.12", 1), (wait.Version, wait.Tasks));
        Assert.Equal(["2022.12"], wait.WorkerVersions);
    }

    [Fact]
    public void A_worker_of_the_tasks_version_runs_it_and_the_reason_goes()
    {
        var h = With2024Client();
        h.AddWorker(W22, dialect: DaskDialect.Dask2022);
        h.Submit(C, [("x", [])], ["x"]);

        h.AddWorker(W24, dialect: DaskDialect.Dask2024);

        var (worker, _) = Assert.Single(Harness.ComputeTasks(h.Log));
        Assert.Equal(W24, worker);
        Assert.Equal(TaskStatus.Processing, h.StatusOf("x"));
        Assert.Empty(StateViews.Summary(h.State).WaitingForVersion);
    }

    [Fact]
    public void With_workers_of_the_clients_version_only_nothing_is_fenced()
    {
        var h = With2024Client();
        h.AddWorker(W24, dialect: DaskDialect.Dask2024);
        var cmds = h.Submit(C, [("x", [])], ["x"]);
        Assert.Equal(W24, Assert.Single(Harness.ComputeTasks(cmds)).Worker);
        Assert.Empty(StateViews.Summary(h.State).WaitingForVersion);
    }

    [Fact]
    public void A_task_without_workers_at_all_waits_as_any_other_task_does()
    {
        var h = With2024Client();
        h.Submit(C, [("x", [])], ["x"]);
        Assert.Contains(h.StatusOf("x"), new[] { TaskStatus.Queued, TaskStatus.NoWorker });
        Assert.Empty(StateViews.Summary(h.State).WaitingForVersion);
    }
}
