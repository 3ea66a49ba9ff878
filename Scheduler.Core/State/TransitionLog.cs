namespace Scheduler.Core.State;

/// <summary>
/// One transition as Dask's scheduler logs it: (key, start, finish, recommendations, stimulus_id, time). Most
/// transitions recommend nothing or one thing: that one is held inline, more in an array.
/// </summary>
public readonly struct TransitionRecord
{
    private readonly string? _firstKey;
    private readonly TaskStatus _firstStatus;
    private readonly (string Key, TaskStatus Status)[]? _more;

    private TransitionRecord(string key, TaskStatus start, TaskStatus finish, string stimulusId, double time,
        string? firstKey, TaskStatus firstStatus, (string, TaskStatus)[]? more)
    {
        Key = key;
        Start = start;
        Finish = finish;
        StimulusId = stimulusId;
        Time = time;
        _firstKey = firstKey;
        _firstStatus = firstStatus;
        _more = more;
    }

    public string Key { get; }
    public TaskStatus Start { get; }
    public TaskStatus Finish { get; }
    public string StimulusId { get; }
    public double Time { get; }

    /// <summary>The recommendations this transition made, in order (a key may repeat: the last one counts).</summary>
    public IEnumerable<(string Key, TaskStatus Status)> Recommendations
    {
        get
        {
            if (_more != null) return _more;
            return _firstKey == null ? [] : [(_firstKey, _firstStatus)];
        }
    }

    public static TransitionRecord Create(string key, TaskStatus start, TaskStatus finish,
        List<(TaskState Task, TaskStatus Status)> made, string stimulusId, double time)
    {
        if (made.Count == 0) return new(key, start, finish, stimulusId, time, null, default, null);
        if (made.Count == 1) return new(key, start, finish, stimulusId, time, made[0].Task.Key, made[0].Status, null);
        var more = new (string, TaskStatus)[made.Count];
        for (int i = 0; i < more.Length; i++) more[i] = (made[i].Task.Key, made[i].Status);
        return new(key, start, finish, stimulusId, time, null, default, more);
    }
}

/// <summary>
/// The last distributed.scheduler.transition-log-length transitions (Dask's transition_log deque): the story of
/// why a task is where it is. A ring buffer of value records, so logging a transition allocates nothing unless
/// it recommended something.
/// </summary>
public sealed class TransitionLog(int capacity)
{
    // Records live in fixed chunks small enough for the ordinary heap: the log never copies itself while it
    // fills up (a growing list would copy megabytes on the large-object heap during a big graph's transitions).
    private const int ChunkSize = 1024;
    private readonly List<TransitionRecord[]> _chunks = [];
    private long _added;

    public int Capacity { get; } = Math.Max(0, capacity);

    public int Count => (int)Math.Min(_added, Capacity);

    /// <summary>Transitions made since the start (Dask's transition_counter), kept also when nothing is.</summary>
    public long Added => _added;

    public void Add(in TransitionRecord record)
    {
        if (Capacity == 0) { _added++; return; }
        long slot = _added++ % Capacity;
        int chunk = (int)(slot / ChunkSize);
        if (chunk == _chunks.Count) _chunks.Add(new TransitionRecord[Math.Min(ChunkSize, Capacity - chunk * ChunkSize)]);
        _chunks[chunk][slot % ChunkSize] = record;
    }

    private ref readonly TransitionRecord At(long slot) => ref _chunks[(int)(slot / ChunkSize)][slot % ChunkSize];

    /// <summary>Oldest first.</summary>
    public IEnumerable<TransitionRecord> All()
    {
        long count = Count;
        long first = _added - count;
        for (long i = 0; i < count; i++) yield return At((first + i) % Capacity);
    }

    /// <summary>Dask's scheduler_story: records whose key, or one of whose recommendations, is in the set.</summary>
    public List<TransitionRecord> Story(IReadOnlySet<string> keys)
    {
        var result = new List<TransitionRecord>();
        foreach (var r in All())
        {
            if (keys.Contains(r.Key)) { result.Add(r); continue; }
            foreach (var (k, _) in r.Recommendations)
                if (keys.Contains(k)) { result.Add(r); break; }
        }
        return result;
    }
}
