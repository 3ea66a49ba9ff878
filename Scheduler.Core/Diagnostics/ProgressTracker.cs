using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.State;
using TaskStatus = Scheduler.Core.State.TaskStatus;

namespace Scheduler.Core.Diagnostics;

/// <summary>
/// Native port of <c>distributed.diagnostics.progress.Progress</c> and <c>MultiProgress</c> (2022.12.1): the
/// keys a progress bar waits for, updated on each transition, and the reply its feed function would make: counts
/// (per key_split prefix for a multi bar) and the status, with the exception and key once a watched task errs.
/// </summary>
public sealed class ProgressTracker(ProgressFeedSpec spec)
{
    public ProgressFeedSpec Spec { get; } = spec;

    /// <summary>Null while running, then "finished" or "error" (Progress.status).</summary>
    public string? Status { get; private set; }

    /// <summary>False until every watched key exists (Progress.setup waits for that).</summary>
    public bool IsSetUp { get; private set; }

    private readonly Dictionary<string, int> _groupOfAll = [];
    private readonly HashSet<string> _remaining = [];
    private readonly List<string> _groups = [];
    private int[] _all = [];
    private int[] _left = [];
    private object? _exception;
    private string? _errorKey;

    /// <summary>Progress.setup: true once done; false while some watched key is not yet a task.</summary>
    public bool TrySetUp(IReadOnlyDictionary<string, TaskState> tasks)
    {
        if (IsSetUp) return true;
        var roots = new List<TaskState>(Spec.Keys.Count);
        foreach (var k in Spec.Keys)
        {
            if (!tasks.TryGetValue(k, out var ts)) return false;
            roots.Add(ts);
        }
        IsSetUp = true;
        var (all, errors) = DependentKeys(roots, Spec.Complete);
        var keys = Spec.Complete ? DependentKeys(roots, complete: false).Out : [.. all];
        all.UnionWith(Spec.Keys);
        foreach (var e in errors)
            if (all.Contains(e)) keys.Add(e);

        var groupIndex = new Dictionary<string, int>();
        foreach (var key in all)
        {
            var name = Spec.Multi ? TaskKeys.KeySplit(key) : "";
            if (!groupIndex.TryGetValue(name, out int g))
            {
                g = _groups.Count;
                groupIndex[name] = g;
                _groups.Add(name);
            }
            _groupOfAll[key] = g;
        }
        _all = new int[_groups.Count];
        _left = new int[_groups.Count];
        foreach (var g in _groupOfAll.Values) _all[g]++;
        foreach (var key in keys)
            if (_groupOfAll.TryGetValue(key, out int g) && _remaining.Add(key)) _left[g]++;
        if (_remaining.Count == 0) Stop(null, null, error: false);
        foreach (var e in errors)
            if (Status == null && _groupOfAll.ContainsKey(e) && tasks.TryGetValue(e, out var ets)) Stop(ets, e, error: true);
        return true;
    }

    /// <summary>Progress.transition / MultiProgress.transition. False once the tracker has stopped.</summary>
    public bool OnTransition(TaskState ts, TaskStatus start, TaskStatus finish)
    {
        if (Status != null) return false;
        var key = ts.Key;
        if (start == TaskStatus.Processing && finish == TaskStatus.Memory && _remaining.Remove(key))
        {
            _left[_groupOfAll[key]]--;
            if (_remaining.Count == 0) Stop(null, null, error: false);
        }
        else if (finish == TaskStatus.Erred && _groupOfAll.ContainsKey(key))
        {
            Stop(ts, key, error: true);
        }
        else if (finish == TaskStatus.Forgotten && (Spec.Multi ? _groupOfAll.ContainsKey(key) : _remaining.Contains(key)))
        {
            Stop(null, key, error: true); // cancelled: Python's plugin has no exception to report either
        }
        return Status == null;
    }

    /// <summary>What the progress bar's feed function returns now.</summary>
    public RpcReply Reply()
    {
        if (!Spec.Multi) return new ProgressReport(_groupOfAll.Count, _remaining.Count, Status, _exception, _errorKey);
        var groups = new GroupProgress[_groups.Count];
        for (int g = 0; g < groups.Length; g++) groups[g] = new GroupProgress(_groups[g], _all[g], _left[g]);
        return new MultiProgressReport(groups, Status, _exception, _errorKey);
    }

    private void Stop(TaskState? erred, string? key, bool error)
    {
        Status = error ? "error" : "finished";
        if (!error) return;
        _exception = erred?.Exception ?? erred?.ExceptionBlame?.Exception;
        _errorKey = key;
    }

    /// <summary>
    /// distributed.diagnostics.progress.dependent_keys: every key these tasks need. Without
    /// <paramref name="complete"/>, tasks already held by a worker (and what only they need) are left out.
    /// </summary>
    private static (HashSet<string> Out, HashSet<string> Errors) DependentKeys(List<TaskState> roots, bool complete)
    {
        var outKeys = new HashSet<string>();
        var errors = new HashSet<string>();
        var stack = new Stack<TaskState>(roots);
        while (stack.TryPop(out var ts))
        {
            if (outKeys.Contains(ts.Key)) continue;
            if (!complete && ts.WhoHas.Count > 0) continue;
            if (ts.Exception != null)
            {
                errors.Add(ts.Key);
                if (!complete) continue;
            }
            outKeys.Add(ts.Key);
            foreach (var d in ts.Dependencies) stack.Push(d);
        }
        return (outKeys, errors);
    }
}
