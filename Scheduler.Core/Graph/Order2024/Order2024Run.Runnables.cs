namespace Scheduler.Core.Graph.Order2024;

// add_to_result and process_runnables.
internal sealed partial class Order2024Run
{
    /// <summary>The discards at the top of add_to_result's loop.</summary>
    private void Discard(int item)
    {
        _runnableHull[item] = false;
        if (_reachableHull[item])
        {
            _reachableHull[item] = false;
            _reachableHullCount--;
        }
        _reachableLeaves.Remove(item);
        _leafNodes.Remove(item);
    }

    private void AddToResult(int item)
    {
        // Python keeps a list of next items (a task whose only dependent becomes runnable continues right away).
        var nextItems = _nextItems;
        nextItems.Add(item);
        while (nextItems.Count > 0)
        {
            item = nextItems[^1];
            nextItems.RemoveAt(nextItems.Count - 1);
            Discard(item);
            if (_inResult[item]) continue;
            AddRequiredDataTasks(item);
            SetResult(item, _i);
            if (item < _external0) _i++;
            if (_rootNodes.Contains(item)) _processedRoots.Add(item);
            int nDependents = NumDependents(item);
            // A set in Python: in ascending position here.
            for (int e = _dtsStart[item]; e < _dtsStart[item + 1]; e++)
            {
                int dep = _dts[e];
                _numNeeded[dep]--;
                if (!_reachableHull[dep])
                {
                    _reachableHull[dep] = true;
                    _reachableHullCount++;
                    if (_leafNodes.Contains(dep)) _reachableLeaves.Add(dep);
                }
                if (_numNeeded[dep] == 0)
                {
                    if (nDependents == 1) nextItems.Add(dep);
                    else _runnable.Add(dep);
                }
            }
        }
    }

    /// <summary>
    /// <c>while requires_data_task[item]: add_to_result(requires_data_task[item].pop())</c>. A removed data root
    /// has no dependents left, so the nested add_to_result only numbers it, after its own required data tasks
    /// (legacy chains of non-task roots): a depth-first walk, with a stack instead of recursion.
    /// </summary>
    private void AddRequiredDataTasks(int owner)
    {
        if (_requiresDataTask[owner] is not { Count: > 0 }) return;
        var stack = _dataStack;
        stack.Add(owner);
        while (stack.Count > 0)
        {
            int t = stack[^1];
            var required = _requiresDataTask[t];
            if (required is not { Count: > 0 })
            {
                stack.RemoveAt(stack.Count - 1);
                if (t != owner)
                {
                    SetResult(t, _i);
                    if (t < _external0) _i++;
                }
                continue;
            }
            // set.pop(): the lowest position here.
            int at = 0;
            for (int j = 1; j < required.Count; j++)
                if (required[j] < required[at]) at = j;
            int r = required[at];
            required[at] = required[^1];
            required.RemoveAt(required.Count - 1);
            Discard(r);
            if (_inResult[r]) continue;
            stack.Add(r);
        }
    }

    private void ProcessRunnables()
    {
        var candidates = _candidates;
        while (_runnable.Count > 0)
        {
            candidates.Clear();
            candidates.AddRange(_runnable);
            _runnable.Clear();
            while (candidates.Count > 0)
            {
                int key = candidates[^1];
                candidates.RemoveAt(candidates.Count - 1);
                if (_runnableHull[key] || _inResult[key]) continue;
                if (_leafNodes.Contains(key))
                {
                    AddToResult(key);
                    continue;
                }
                var branches = _branches;
                branches.Clear();
                branches.Enqueue((0, [key]));
                while (branches.Count > 0)
                {
                    var (nsplits, path) = branches.Dequeue();
                    while (true)
                    {
                        int current = path[^1];
                        _runnableHull[current] = true;
                        int nDown = NumDependents(current);
                        if (nDown == 0)
                        {
                            if (_numNeeded[current] <= 1)
                                foreach (var k in path) AddToResult(k);
                            else
                                _runnableHull[current] = false;
                        }
                        else if (path.Count == 1 || NumDependencies(current) == 1)
                        {
                            if (nDown > 1)
                            {
                                nsplits++;
                                var down = new int[nDown];
                                Array.Copy(_dts, _dtsStart[current], down, 0, nDown);
                                Array.Sort(down, _bySortKey);
                                foreach (var d in down)
                                {
                                    // Only genuine splitters, not interleaving.
                                    if (NumDependencies(d) != 1) continue;
                                    var branch = new List<int>(path.Count + 1);
                                    branch.AddRange(path);
                                    branch.Add(d);
                                    branches.Enqueue((nsplits, branch));
                                }
                                break;
                            }
                            path.Add(_dts[_dtsStart[current]]);
                            continue;
                        }
                        else if (_knownRunnablePaths[current] is { } known)
                        {
                            known.Add(path);
                            _runnableHull[current] = false;
                            if (known.Count >= _numNeeded[current])
                            {
                                _knownRunnablePaths[current] = null;
                                var pruned = new Queue<List<int>>();
                                foreach (var p in known)
                                    if (!_inResult[p[^2]]) pruned.Enqueue(p);
                                if (pruned.Count < _numNeeded[current])
                                {
                                    _knownRunnablePaths[current] = [.. pruned];
                                }
                                else
                                {
                                    if (nsplits > 1)
                                    {
                                        var merged = new List<int>();
                                        foreach (var p in pruned) merged.AddRange(p);
                                        branches.Enqueue((nsplits - 1, merged));
                                        break;
                                    }
                                    RunPrunedBranches(pruned);
                                }
                            }
                        }
                        else
                        {
                            if (NumDependencies(current) > 1 && _numNeeded[current] <= 1)
                                foreach (var k in path) AddToResult(k);
                            else
                            {
                                _knownRunnablePaths[current] = [path];
                                _runnableHull[current] = false;
                            }
                        }
                        break;
                    }
                }
            }
        }
    }

    /// <summary>
    /// <c>while pruned_branches: ...</c>: run each path up to its first task that still needs something, and put
    /// that path back at the end. Python loops forever when a whole round makes no progress; we throw.
    /// </summary>
    private void RunPrunedBranches(Queue<List<int>> pruned)
    {
        int stalled = 0;
        while (pruned.Count > 0)
        {
            var path = pruned.Dequeue();
            int before = _resultCount;
            bool blocked = false;
            foreach (var k in path)
            {
                if (_numNeeded[k] != 0)
                {
                    pruned.Enqueue(path);
                    blocked = true;
                    break;
                }
                AddToResult(k);
            }
            if (!blocked || _resultCount != before) stalled = 0;
            else if (++stalled > pruned.Count) throw new InvalidOperationException("dask order: runnable paths that never become runnable");
        }
    }
}
