using System.Numerics;
using System.Runtime.CompilerServices;

namespace Scheduler.Core.Graph;

// The traversal of dask.order.order, statement for statement. Names follow order.py so the two can be read side
// by side; comments quote the Python where the C# shape differs. Python sets become lists of distinct indices
// (their iteration order only matters in the three places named in DaskOrder's remarks). The lists order()
// keeps in inner_stacks, next_nodes, later_nodes and outer_stack are Groups: most are one task ([dep]) and need
// no list object; inner stacks keep their identity (an empty inner_stack pushed onto inner_stacks is popped
// again later), and an inner stack order() drops is reused for the next one.
internal sealed partial class DaskOrderRun<T>
{
    private static readonly T Five = T.CreateChecked(5), Ten = T.CreateChecked(10), TwentyTwo = T.CreateChecked(22);

    /// <summary>A Python list of tasks held by order() for later: one task, or a list.</summary>
    private readonly struct Group
    {
        public readonly List<int>? List;
        public readonly int Single;
        public Group(int single) { Single = single; List = null; }
        public Group(List<int> list) { Single = -1; List = list; }
    }

    private readonly Stack<List<int>> _freeStacks = new();
    private readonly Stack<List<Group>> _freeGroupLists = new();

    private readonly int[] _numNeeded;
    /// <summary>result[key] = i, or -1 while not run.</summary>
    private readonly int[] _result;
    private int _i;
    private readonly bool[] _seen;

    // singles: a dict (insertion ordered; assigning an existing key keeps its place and replaces the value).
    private readonly List<int> _singles = [];
    private readonly bool[] _inSingles;
    private readonly int[] _singlesParent;
    private readonly List<int> _laterSingles = [];

    /// <summary>
    /// order() mutates dependents[x] when x runs: finish_now tasks are removed (they run at once, so a later
    /// "not in result" filter hides them anyway) and, with skip_root_node, the root (which has not run).
    /// Only the latter is visible later, through len(set_difference(dependents[parent], result)).
    /// </summary>
    private readonly bool[] _rootRemoved;
    private int _skipRoot = -1;

    // Scratch: a stamp per task for set unions, and reusable lists for Python's temporary sets.
    private readonly int[] _mark;
    private int _stamp;
    private readonly List<int> _depsSet = [];
    private readonly List<int> _dep2Set = [];
    private readonly List<int> _tmp = [];
    private readonly List<int> _finishNow = [];
    private readonly List<(int Key, int Start, int Count)> _pools = [];

    private readonly Comparison<int> _dependentsKeyCmp, _dependenciesKeyCmp, _initKeyCmp, _finishNowKeyCmp;
    private IComparer<int>? _dependentsKeyComparer, _poolComparer;

    private bool InResult(int x) => _result[x] >= 0;

    // ---- sort keys (tuples in Python; the last element, StrComparable(key), makes every order total) ----

    /// <summary>initial_stack_key: (-max_dependencies, num_dependents - max_heights, min_dependencies,
    /// num_dependents - min_heights, -total_dependents, num_dependents, StrComparable(key)).</summary>
    private int CompareInitKey(int a, int b)
    {
        int c = _maxDependencies[b].CompareTo(_maxDependencies[a]);
        if (c != 0) return c;
        int na = NumDependents(a), nb = NumDependents(b);
        c = (na - _maxHeights[a]).CompareTo(nb - _maxHeights[b]);
        if (c != 0) return c;
        c = _minDependencies[a].CompareTo(_minDependencies[b]);
        if (c != 0) return c;
        c = (na - _minHeights[a]).CompareTo(nb - _minHeights[b]);
        if (c != 0) return c;
        c = _totalDependents[b].CompareTo(_totalDependents[a]);
        if (c != 0) return c;
        c = na.CompareTo(nb);
        if (c != 0) return c;
        return DaskOrder.PyKeyCompare(_keys[a], _keys[b]);
    }

    /// <summary>dependents_key: (len(dependents) - len(dependencies) + num_needed, -min_heights, StrComparable(key)).</summary>
    private int CompareDependentsKey(int a, int b)
    {
        int c = (NumDependents(a) - NumDependencies(a) + _numNeeded[a]).CompareTo(NumDependents(b) - NumDependencies(b) + _numNeeded[b]);
        if (c != 0) return c;
        c = _minHeights[b].CompareTo(_minHeights[a]);
        if (c != 0) return c;
        return DaskOrder.PyKeyCompare(_keys[a], _keys[b]);
    }

    /// <summary>dependencies_key: (-max_dependencies, num_dependents + max_heights, min_dependencies,
    /// num_dependents + min_heights, -total_dependencies, num_dependents - len(dependencies) + num_needed,
    /// num_dependents, total_dependents, StrComparable(key)).</summary>
    private int CompareDependenciesKey(int a, int b)
    {
        int c = _maxDependencies[b].CompareTo(_maxDependencies[a]);
        if (c != 0) return c;
        int na = NumDependents(a), nb = NumDependents(b);
        c = (na + _maxHeights[a]).CompareTo(nb + _maxHeights[b]);
        if (c != 0) return c;
        c = _minDependencies[a].CompareTo(_minDependencies[b]);
        if (c != 0) return c;
        c = (na + _minHeights[a]).CompareTo(nb + _minHeights[b]);
        if (c != 0) return c;
        c = _totalDependencies[b].CompareTo(_totalDependencies[a]);
        if (c != 0) return c;
        c = (na - NumDependencies(a) + _numNeeded[a]).CompareTo(nb - NumDependencies(b) + _numNeeded[b]);
        if (c != 0) return c;
        c = na.CompareTo(nb);
        if (c != 0) return c;
        c = _totalDependents[a].CompareTo(_totalDependents[b]);
        if (c != 0) return c;
        return DaskOrder.PyKeyCompare(_keys[a], _keys[b]);
    }

    /// <summary>finish_now_key: (-len(dependencies), StrComparable(key)).</summary>
    private int CompareFinishNowKey(int a, int b)
    {
        int c = NumDependencies(b).CompareTo(NumDependencies(a));
        if (c != 0) return c;
        return DaskOrder.PyKeyCompare(_keys[a], _keys[b]);
    }

    // ---- small helpers for Python's container operations ----

    private static int Pop(List<int> list)
    {
        if (list.Count == 0) throw new InvalidOperationException("dask order: pop from an empty stack");
        int last = list[^1];
        list.RemoveAt(list.Count - 1);
        return last;
    }

    /// <summary>A new inner stack holding <paramref name="x"/> (<c>[dep]</c>), reusing a dropped one.</summary>
    private List<int> NewStack(int x)
    {
        var list = _freeStacks.Count > 0 ? _freeStacks.Pop() : new List<int>(8);
        list.Add(x);
        return list;
    }

    /// <summary>The current inner stack is empty and is being replaced: nothing else refers to it.</summary>
    private void DropStack(List<int> stack)
    {
        stack.Clear();
        _freeStacks.Push(stack);
    }

    /// <summary><c>inner_stack = inner_stacks.pop()</c>.</summary>
    private List<int> PopInnerStacks(List<Group> innerStacks)
    {
        var g = innerStacks[^1];
        innerStacks.RemoveAt(innerStacks.Count - 1);
        return g.List ?? NewStack(g.Single);
    }

    /// <summary>
    /// next_nodes / later_nodes: a defaultdict(list) keyed by partition key, here by its rank. The lists of groups
    /// are reused once their groups have moved to outer_stack.
    /// </summary>
    private sealed class Buckets(int ranks, Stack<List<Group>> free)
    {
        private readonly List<Group>?[] _byRank = new List<Group>?[ranks];

        /// <summary>The keys present, unordered.</summary>
        public List<int> Keys { get; } = [];

        public int Count => Keys.Count;

        /// <summary><c>nodes[key].append(value)</c>.</summary>
        public void Append(int key, Group value)
        {
            var groups = _byRank[key];
            if (groups == null)
            {
                _byRank[key] = groups = free.Count > 0 ? free.Pop() : [];
                Keys.Add(key);
            }
            groups.Add(value);
        }

        /// <summary><c>for key in sorted(nodes, reverse=True): outer_stack.extend(reversed(nodes[key]))</c>,
        /// then empty (<c>nodes = defaultdict(list)</c>).</summary>
        public void MoveTo(List<Group> outerStack)
        {
            Keys.Sort();
            for (int j = Keys.Count - 1; j >= 0; j--)
            {
                var groups = _byRank[Keys[j]]!;
                _byRank[Keys[j]] = null;
                for (int r = groups.Count - 1; r >= 0; r--) outerStack.Add(groups[r]);
                groups.Clear();
                free.Push(groups);
            }
            Keys.Clear();
        }
    }

    /// <summary><c>10 * item_key &gt; 11 * len(min_pool) * len(min_pool) * min_key</c>, exactly (Python ints).</summary>
    private static bool TakeWholePool(T itemKey, int poolLength, T minKey)
    {
        long factor = 11L * poolLength * poolLength;
        if (typeof(T) == typeof(long))
            return 10 * Int128.CreateTruncating(itemKey) > factor * Int128.CreateTruncating(minKey); // < 2^101: no overflow
        return checked(Ten * itemKey) > checked(T.CreateChecked(factor) * minKey);
    }

    /// <summary><c>5 * partition_keys[item] &gt; 22 * key</c>, exactly.</summary>
    private static bool FarBehind(T itemKey, T key)
    {
        if (typeof(T) == typeof(long))
            return 5 * Int128.CreateTruncating(itemKey) > 22 * Int128.CreateTruncating(key);
        return checked(Five * itemKey) > checked(TwentyTwo * key);
    }

    /// <summary>Slow-path pools: by partition key, then descending index (see the slow path).</summary>
    private int ComparePoolOrder(int a, int b)
    {
        int c = _partitionRank[a].CompareTo(_partitionRank[b]);
        return c != 0 ? c : b.CompareTo(a);
    }

    /// <summary>singles[dep] = parent.</summary>
    private void SetSingle(int dep, int parent)
    {
        if (!_inSingles[dep])
        {
            _inSingles[dep] = true;
            _singles.Add(dep);
        }
        _singlesParent[dep] = parent;
    }

    private void ClearSingles()
    {
        foreach (var s in _singles) _inSingles[s] = false;
        _singles.Clear();
    }

    /// <summary>dependents[x] as a fresh list (read right after x runs, before order() mutates it).</summary>
    private void LoadDependents(int x, List<int> into)
    {
        into.Clear();
        for (int e = _dtsStart[x]; e < _dtsStart[x + 1]; e++) into.Add(_dts[e]);
    }

    private void RemoveInResult(List<int> set)
    {
        int w = 0;
        for (int r = 0; r < set.Count; r++)
            if (!InResult(set[r])) set[w++] = set[r];
        set.RemoveRange(w, set.Count - w);
    }

    private void RemoveSeen(List<int> set)
    {
        int w = 0;
        for (int r = 0; r < set.Count; r++)
            if (!_seen[set[r]]) set[w++] = set[r];
        set.RemoveRange(w, set.Count - w);
    }

    /// <summary>Start an empty union (<c>deps = set()</c>) in <paramref name="set"/>.</summary>
    private void BeginUnion(List<int> set)
    {
        set.Clear();
        _stamp++;
    }

    /// <summary><c>deps |= dep2</c>, for a <paramref name="set"/> begun with <see cref="BeginUnion"/>.</summary>
    private void UnionInto(List<int> set, List<int> other)
    {
        foreach (var x in other)
            if (_mark[x] != _stamp)
            {
                _mark[x] = _stamp;
                set.Add(x);
            }
    }

    /// <summary>len(set_difference(dependents[parent], result)) &gt; 1, on the mutated dependents set.</summary>
    private bool MoreThanOneDependentLeft(int parent)
    {
        int count = 0;
        for (int e = _dtsStart[parent]; e < _dtsStart[parent + 1]; e++)
        {
            int d = _dts[e];
            if (InResult(d) || (d == _skipRoot && _rootRemoved[parent])) continue;
            if (++count > 1) return true;
        }
        return false;
    }

    /// <summary>
    /// The block repeated three times in order() right after a task x runs:
    /// <code>
    /// if metrics[x][3] == 1:  # min_height
    ///     finish_now = {dep for dep in deps if not dependents[dep] and num_needed[dep] == 1}
    ///     if finish_now: deps -= finish_now; run them sorted by finish_now_key
    ///     elif skip_root_node: for dep in root_nodes: num_needed[dep] -= 1; deps.remove(dep)
    /// </code>
    /// <paramref name="deps"/> is (a copy of) dependents[x]. Returns whether finish_now was non-empty.
    /// </summary>
    private bool FinishNow(int x, List<int> deps)
    {
        if (_minHeights[x] != 1) return false;
        _finishNow.Clear();
        foreach (var dep in deps)
            if (NumDependents(dep) == 0 && _numNeeded[dep] == 1) _finishNow.Add(dep);
        if (_finishNow.Count > 0)
        {
            int w = 0;
            for (int r = 0; r < deps.Count; r++)
            {
                int dep = deps[r];
                if (!(NumDependents(dep) == 0 && _numNeeded[dep] == 1)) deps[w++] = dep;
            }
            deps.RemoveRange(w, deps.Count - w);
            if (_finishNow.Count > 1) _finishNow.Sort(_finishNowKeyCmp);
            foreach (var dep in _finishNow) _result[dep] = _i++;
            return true;
        }
        if (_skipRoot >= 0)
        {
            _numNeeded[_skipRoot]--;
            // Python: deps.remove(dep), "to complain loudly if our assumptions change".
            if (!deps.Remove(_skipRoot)) throw new InvalidOperationException("dask order: the single root is not a dependent of a task at height 1");
            _rootRemoved[x] = true;
        }
        return false;
    }

    private static int MinBy(List<int> list, Comparison<int> cmp) => MinBy(list, 0, list.Count, cmp);

    private static int MinBy(List<int> list, int start, int count, Comparison<int> cmp)
    {
        if (count == 0) throw new InvalidOperationException("dask order: min() of an empty sequence");
        int best = list[start];
        for (int j = start + 1; j < start + count; j++)
            if (cmp(list[j], best) < 0) best = list[j];
        return best;
    }

    /// <summary>Sort <c>list[start..start+count]</c> descending by dependents_key (<c>pool.sort(key=dependents_key, reverse=True)</c>).</summary>
    private void SortDescendingByDependentsKey(List<int> list, int start, int count)
    {
        _dependentsKeyComparer ??= Comparer<int>.Create(_dependentsKeyCmp);
        list.Sort(start, count, _dependentsKeyComparer);
        list.Reverse(start, count);
    }

    /// <summary><c>list.sort(key=k, reverse=True)</c>: with a total order, the ascending sort reversed.</summary>
    private static void SortDescending(List<int> list, Comparison<int> cmp)
    {
        list.Sort(cmp);
        list.Reverse();
    }

    // ---- order() ----

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int[] Run()
    {
        int n = _n;
        // root_nodes = {k for k, v in dependents.items() if not v}
        int rootCount = 0, lastRoot = -1;
        for (int x = 0; x < n; x++)
            if (NumDependents(x) == 0) { rootCount++; lastRoot = x; }
        bool skipRootNode = rootCount == 1 && n > 1;
        if (skipRootNode) _skipRoot = lastRoot;

        // init_stack: the leaves. Held in graph order; Python only ever takes min() of it or sorts it, except
        // for 10000+ leaves (see below).
        var initStack = new List<int>();
        for (int x = 0; x < n; x++)
            if (NumDependencies(x) == 0) initStack.Add(x);

        var innerStack = NewStack(MinBy(initStack, _initKeyCmp));
        var innerStacks = new List<Group>();
        var nextNodes = new Buckets(_rankCount, _freeGroupLists);
        var laterNodes = new Buckets(_rankCount, _freeGroupLists);
        var outerStack = new List<Group>();

        if (skipRootNode) _seen[_skipRoot] = true;

        var deps = _depsSet;
        var dep2 = _dep2Set;
        int item = -1;
        bool addToInnerStack = false, processSingles = false;
        bool isInitSorted = false;

        while (true)
        {
            while (true)
            {
                // Perform a DFS along dependencies until we complete our tactical goal
                if (innerStack.Count > 0)
                {
                    item = Pop(innerStack);
                    if (InResult(item)) continue;
                    if (_numNeeded[item] > 0)
                    {
                        if (!skipRootNode || item != _skipRoot)
                        {
                            innerStack.Add(item);
                            // deps = set_difference(dependencies[item], result)
                            _tmp.Clear();
                            for (int e = _depStart[item]; e < _depStart[item + 1]; e++)
                                if (!InResult(_deps[e])) _tmp.Add(_deps[e]);
                            if (1 < _tmp.Count && _tmp.Count < 1000)
                                _tmp.Sort(_dependenciesKeyCmp); // pushed largest first below: sorted(..., reverse=True)
                            // else: inner_stack.extend(deps) in set order (hash order in Python); we push in
                            // descending index so the task first in the graph is popped first.
                            for (int j = _tmp.Count - 1; j >= 0; j--) innerStack.Add(_tmp[j]);
                            foreach (var d in _tmp) _seen[d] = true;
                        }
                        if (_singles.Count == 0) continue;
                        processSingles = true;
                    }
                    else
                    {
                        _result[item] = _i++;
                        LoadDependents(item, deps);
                        addToInnerStack = true;
                        if (FinishNow(item, deps)) addToInnerStack = false;
                        if (deps.Count > 0)
                        {
                            foreach (var dep in deps) _numNeeded[dep]--;
                            processSingles = false;
                        }
                        else continue;
                    }
                }
                else if (innerStacks.Count > 0)
                {
                    DropStack(innerStack);
                    innerStack = PopInnerStacks(innerStacks);
                    continue;
                }
                else if (_singles.Count > 0)
                {
                    processSingles = true;
                }
                else if (_laterSingles.Count > 0)
                {
                    // No need to be optimistic: all nodes in later_singles will free a dependency when run.
                    BeginUnion(deps);
                    foreach (var first in _laterSingles)
                    {
                        int single = first;
                        if (InResult(single)) continue;
                        while (true)
                        {
                            LoadDependents(single, dep2);
                            _result[single] = _i++;
                            FinishNow(single, dep2);
                            if (dep2.Count > 0)
                            {
                                foreach (var dep in dep2) _numNeeded[dep]--;
                                if (dep2.Count == 1)
                                {
                                    // Fast path!
                                    single = dep2[0];
                                    if (_numNeeded[single] == 0) continue; // Keep it going!
                                }
                                UnionInto(deps, dep2);
                            }
                            break;
                        }
                    }
                    _laterSingles.Clear();
                    RemoveInResult(deps);
                    if (deps.Count == 0) continue;
                    addToInnerStack = false;
                    processSingles = true;
                }
                else
                {
                    break;
                }

                if (processSingles && _singles.Count > 0)
                {
                    // Gather the dependents of all singles into deps; item stays whatever it last was.
                    BeginUnion(deps);
                    addToInnerStack = innerStack.Count > 0 || innerStacks.Count > 0;
                    foreach (var first in _singles)
                    {
                        int single = first;
                        int parent = _singlesParent[first];
                        if (InResult(single)) continue;
                        if (addToInnerStack && MoreThanOneDependentLeft(parent))
                        {
                            _laterSingles.Add(single);
                            continue;
                        }
                        while (true)
                        {
                            LoadDependents(single, dep2);
                            _result[single] = _i++;
                            FinishNow(single, dep2);
                            if (dep2.Count > 0)
                            {
                                foreach (var dep in dep2) _numNeeded[dep]--;
                                bool alreadySeen = false;
                                if (addToInnerStack)
                                {
                                    // already_seen = dep2 & seen
                                    int seenCount = 0, aSeen = -1;
                                    foreach (var dep in dep2)
                                        if (_seen[dep]) { seenCount++; aSeen = dep; }
                                    if (seenCount > 0)
                                    {
                                        if (dep2.Count == seenCount)
                                        {
                                            if (seenCount == 1)
                                            {
                                                single = aSeen;
                                                if (_numNeeded[single] == 0) continue;
                                            }
                                            break;
                                        }
                                        RemoveSeen(dep2);
                                        alreadySeen = true;
                                    }
                                }
                                if (dep2.Count == 1)
                                {
                                    // Fast path!  We trim down dep2 above hoping to reach here.
                                    single = dep2[0];
                                    if (_numNeeded[single] == 0)
                                    {
                                        if (!alreadySeen) continue; // Keep it going!
                                        _laterSingles.Add(single);
                                        break;
                                    }
                                }
                                UnionInto(deps, dep2);
                            }
                            break;
                        }
                    }
                    RemoveInResult(deps);
                    ClearSingles();
                    if (deps.Count == 0) continue;
                    addToInnerStack = false;
                }

                // already_seen = deps & seen
                int seenInDeps = 0, seenDep = -1;
                foreach (var dep in deps)
                    if (_seen[dep]) { seenInDeps++; seenDep = dep; }
                if (seenInDeps > 0)
                {
                    if (deps.Count == seenInDeps)
                    {
                        if (seenInDeps == 1 && _numNeeded[seenDep] == 0) SetSingle(seenDep, item);
                        continue;
                    }
                    addToInnerStack = false;
                    RemoveSeen(deps);
                }

                if (deps.Count == 1)
                {
                    // Fast path!
                    int dep = deps[0];
                    int key;
                    if (innerStack.Count == 0)
                    {
                        if (addToInnerStack)
                        {
                            innerStack.Add(dep); // inner_stack = [dep], in the empty list it replaces
                            _seen[dep] = true;
                            continue;
                        }
                        key = _partitionRank[dep];
                    }
                    else
                    {
                        key = _partitionRank[dep];
                        if (key < _partitionRank[innerStack[0]])
                        {
                            // Run before inner_stack (change tactical goal!)
                            innerStacks.Add(new Group(innerStack));
                            innerStack = NewStack(dep);
                            _seen[dep] = true;
                            continue;
                        }
                    }
                    if (_numNeeded[dep] == 0)
                        SetSingle(dep, item); // may free its parent: run it soon
                    else if (key < _partitionRank[item])
                        nextNodes.Append(key, new Group(dep));
                    else
                        laterNodes.Append(key, new Group(dep));
                }
                else if (deps.Count == 2)
                {
                    int dep = deps[0], depB = deps[1];
                    int key = _partitionRank[dep], key2 = _partitionRank[depB];
                    if (key2 < key || (key == key2 && CompareDependentsKey(depB, dep) < 0))
                    {
                        (dep, depB) = (depB, dep);
                        (key, key2) = (key2, key);
                    }
                    if (innerStack.Count > 0)
                    {
                        int prevKey = _partitionRank[innerStack[0]];
                        if (key2 < prevKey)
                        {
                            innerStacks.Add(new Group(innerStack));
                            innerStacks.Add(new Group(depB));
                            innerStack = NewStack(dep);
                            _seen[dep] = true;
                            _seen[depB] = true;
                            if (_numNeeded[depB] == 0)
                            {
                                if (processSingles) _laterSingles.Add(depB);
                                else SetSingle(depB, item);
                            }
                        }
                        else if (key < prevKey)
                        {
                            innerStacks.Add(new Group(innerStack));
                            innerStack = NewStack(dep);
                            _seen[dep] = true;
                            if (_numNeeded[depB] == 0)
                            {
                                if (processSingles) _laterSingles.Add(depB);
                                else SetSingle(depB, item);
                            }
                            else if (key2 < _partitionRank[item]) nextNodes.Append(key2, new Group(depB));
                            else laterNodes.Append(key2, new Group(depB));
                        }
                        else
                        {
                            SplitPair(nextNodes, laterNodes, dep, key, depB, key2, _partitionRank[item]);
                        }
                    }
                    else if (addToInnerStack)
                    {
                        if (_numNeeded[depB] == 0)
                        {
                            innerStacks.Add(new Group(innerStack)); // empty, and popped again later
                            innerStack = NewStack(dep);
                            _seen[dep] = true;
                            SetSingle(depB, item);
                        }
                        else if (key == key2 && FarBehind(_partitionKeys[item], _partitionKeys[dep]))
                        {
                            innerStacks.Add(new Group(innerStack));
                            innerStacks.Add(new Group(depB));
                            innerStack = NewStack(dep);
                            _seen[dep] = true;
                            _seen[depB] = true;
                        }
                        else
                        {
                            innerStacks.Add(new Group(innerStack));
                            innerStack = NewStack(dep);
                            _seen[dep] = true;
                            if (key2 < _partitionRank[item]) nextNodes.Append(key2, new Group(depB));
                            else laterNodes.Append(key2, new Group(depB));
                        }
                    }
                    else
                    {
                        SplitPair(nextNodes, laterNodes, dep, key, depB, key2, _partitionRank[item]);
                    }
                }
                else
                {
                    // Slow path :(.  This requires grouping by partition_key.
                    // dep_pools is built by iterating the set deps, i.e. in string-hash order in Python; we use
                    // descending index so that, as everywhere order() pops from these lists, the first task in the
                    // graph comes out first. Sorting by (partition key, descending index) gives each pool as a run.
                    _poolComparer ??= Comparer<int>.Create(ComparePoolOrder);
                    deps.Sort(_poolComparer);
                    _pools.Clear();
                    for (int s0 = 0; s0 < deps.Count;)
                    {
                        int pk = _partitionRank[deps[s0]];
                        int e0 = s0 + 1;
                        while (e0 < deps.Count && _partitionRank[deps[e0]] == pk) e0++;
                        _pools.Add((pk, s0, e0 - s0));
                        s0 = e0;
                    }
                    int itemKey = _partitionRank[item];
                    if (innerStack.Count > 0)
                    {
                        // If we have an inner_stack, we need to look for a "better" path
                        int prevKey = _partitionRank[innerStack[0]];
                        int nowPools = 0; // pools with key < prev_key: the first ones, keys ascending
                        foreach (var (key, start, count) in _pools)
                        {
                            if (key < prevKey) nowPools++;
                            else if (key < itemKey) nextNodes.Append(key, PoolGroup(deps, start, count));
                            else laterNodes.Append(key, PoolGroup(deps, start, count));
                        }
                        if (nowPools > 0)
                        {
                            // Run before inner_stack (change tactical goal!)
                            innerStacks.Add(new Group(innerStack));
                            for (int p = nowPools - 1; p >= 0; p--) // now_keys.sort(reverse=True)
                            {
                                var (_, start, count) = _pools[p];
                                if (1 < count && count < 100) SortDescendingByDependentsKey(deps, start, count);
                                for (int j = start; j < start + count; j++) innerStacks.Add(new Group(deps[j]));
                                for (int j = start; j < start + count; j++) _seen[deps[j]] = true;
                            }
                            innerStack = PopInnerStacks(innerStacks);
                        }
                    }
                    else
                    {
                        // No inner_stack: no "better" path to look for, but we traverse along dependents.
                        int first = 0;
                        if (addToInnerStack)
                        {
                            // min_pool = dep_pools.pop(min(dep_pools))
                            var (minKey, start, count) = _pools[0];
                            first = 1;
                            if (count == 1)
                            {
                                innerStack.Add(deps[start]); // inner_stack = min_pool
                                _seen[deps[start]] = true;
                            }
                            else if (TakeWholePool(_partitionKeys[item], count, _partitionKeys[deps[start]]))
                            {
                                // Put all items in min_pool onto inner_stacks (see order.py for the heuristic).
                                if (count < 100) SortDescendingByDependentsKey(deps, start, count);
                                for (int j = start; j < start + count; j++) innerStacks.Add(new Group(deps[j]));
                                DropStack(innerStack);
                                innerStack = PopInnerStacks(innerStacks);
                                for (int j = start; j < start + count; j++) _seen[deps[j]] = true;
                            }
                            else
                            {
                                // One item of min_pool onto inner_stack; the pool (still holding it when it had
                                // fewer than 100: min() does not remove, pop() does) into next_nodes.
                                int chosen;
                                if (count < 100)
                                {
                                    chosen = MinBy(deps, start, count, _dependentsKeyCmp);
                                }
                                else
                                {
                                    chosen = deps[start + count - 1];
                                    count--;
                                }
                                innerStack.Add(chosen);
                                nextNodes.Append(minKey, PoolGroup(deps, start, count));
                                _seen[chosen] = true;
                            }
                        }
                        for (int p = first; p < _pools.Count; p++)
                        {
                            var (key, start, count) = _pools[p];
                            if (key < itemKey) nextNodes.Append(key, PoolGroup(deps, start, count));
                            else laterNodes.Append(key, PoolGroup(deps, start, count));
                        }
                    }
                }
            }

            if (_i == n) break; // all done!

            if (nextNodes.Count > 0)
            {
                // outer_stack may not be empty here; multiple next_nodes are handled LIFO, as in Python.
                nextNodes.MoveTo(outerStack);
            }

            while (outerStack.Count > 0)
            {
                // Try to add a few items to inner_stacks
                var popped = outerStack[^1];
                outerStack.RemoveAt(outerStack.Count - 1);
                if (popped.List == null)
                {
                    if (InResult(popped.Single)) continue;
                    innerStacks.Add(popped);
                    _seen[popped.Single] = true;
                    break;
                }
                var candidates = _tmp; // deps = [x for x in outer_stack_pop() if x not in result]
                candidates.Clear();
                foreach (var x in popped.List)
                    if (!InResult(x)) candidates.Add(x);
                if (candidates.Count > 0)
                {
                    if (1 < candidates.Count && candidates.Count < 100) SortDescendingByDependentsKey(candidates, 0, candidates.Count);
                    foreach (var dep in candidates) innerStacks.Add(new Group(dep));
                    foreach (var dep in candidates) _seen[dep] = true;
                    break;
                }
            }

            if (innerStacks.Count > 0) continue;

            if (laterNodes.Count > 0)
            {
                // "later" has finally come.
                (nextNodes, laterNodes) = (laterNodes, nextNodes);
                continue;
            }

            // We just finished computing a connected group; choose the first item of the next group.
            if (!isInitSorted)
            {
                int prevLen = initStack.Count;
                RemoveInResult(initStack);
                int bigN = initStack.Count;
                int m = prevLen - bigN;
                // is `min` likely better than `sort`?
                if (m >= bigN || bigN + (bigN - m) * Math.Log(bigN - m) < bigN * Math.Log(bigN))
                {
                    item = MinBy(initStack, _initKeyCmp);
                    continue;
                }
                if (initStack.Count < 10000)
                {
                    SortDescending(initStack, _initKeyCmp);
                }
                else
                {
                    // Python: init_stack = list(init_stack), a set in hash order. We pop in graph order.
                    initStack.Sort();
                    initStack.Reverse();
                }
                isInitSorted = true;
            }

            if (skipRootNode && item == _skipRoot) item = Pop(initStack);
            while (InResult(item)) item = Pop(initStack);
            innerStack.Add(item);
        }

        return _result;
    }

    /// <summary>A pool stored for later: one task, or a copy of <c>deps[start..start+count]</c>.</summary>
    private static Group PoolGroup(List<int> deps, int start, int count) =>
        count == 1 ? new Group(deps[start]) : new Group(deps.GetRange(start, count));

    /// <summary>The three-way split of a pair that does not go on the inner stack:
    /// both into next_nodes, the smaller into next_nodes and the other into later_nodes, or both into later_nodes.</summary>
    private static void SplitPair(Buckets nextNodes, Buckets laterNodes, int dep, int key, int dep2, int key2, int itemKey)
    {
        if (key2 < itemKey)
        {
            nextNodes.Append(key, new Group(dep));
            nextNodes.Append(key2, new Group(dep2));
        }
        else if (key < itemKey)
        {
            nextNodes.Append(key, new Group(dep));
            laterNodes.Append(key2, new Group(dep2));
        }
        else
        {
            laterNodes.Append(key, new Group(dep));
            laterNodes.Append(key2, new Group(dep2));
        }
    }
}
