namespace Scheduler.Core.Views;

/// <summary>The cluster at a glance (REST /api/cluster, the dashboard's header).</summary>
public sealed record ClusterSummary(
    string SchedulerId, string Address, double Started, double Now, int Workers, int Threads, long MemoryLimit,
    long StoredBytes, int Clients, int Tasks, IReadOnlyDictionary<string, int> TasksByState, int ActiveComputations,
    IReadOnlyList<VersionWait> WaitingForVersion);

/// <summary>
/// Tasks in no-worker only because no running worker speaks the Dask version of the client that submitted them
/// (a task runs only on workers of its client's version), with the versions the workers do speak.
/// </summary>
public sealed record VersionWait(string Version, int Tasks, IReadOnlyList<string> WorkerVersions);

/// <summary>One worker: its resources, the data it holds, what it is running, what it last reported.</summary>
public sealed record WorkerView(
    string Address, string? Name, string Status, int NThreads, long MemoryLimit, long ManagedBytes, long? ProcessMemory,
    double? Cpu, int Processing, int Data, double Occupancy, double LastSeen, string? Nanny);

/// <summary>One task as the scheduler knows it now.</summary>
public sealed record TaskView(
    string Key, string State, string Prefix, string Group, string? ProcessingOn, IReadOnlyList<string> WhoHas, long Nbytes,
    int Dependencies, int Dependents, string? Error, bool Actor);

/// <summary>A related task: its key and state.</summary>
public sealed record TaskRef(string Key, string State);

/// <summary>One transition of a task's story, as Dask's get_story gives it.</summary>
public sealed record StoryEntry(string Key, string Start, string Finish, IReadOnlyDictionary<string, string> Recommendations, string StimulusId, double Time);

/// <summary>A task with its neighbours, the clients wanting it and its story (transitions with stimulus ids).</summary>
public sealed record TaskDetail(
    TaskView Task, IReadOnlyList<TaskRef> Dependencies, IReadOnlyList<TaskRef> Dependents, IReadOnlyList<string> WantedBy,
    int Retries, string? Traceback, IReadOnlyList<StoryEntry> Story);

/// <summary>A task group (tasks sharing key_split_group) and how many of its tasks are in each state.</summary>
public sealed record GroupView(string Name, string Prefix, int Total, IReadOnlyDictionary<string, int> States);

/// <summary>A connected (or remembered) client.</summary>
public sealed record ClientView(string Id, bool Connected, int WantsKeys, double LastSeen);

/// <summary>A computation still running (history keeps the finished ones).</summary>
public sealed record ComputationView(long Number, string Client, double Start, int Tasks, int Memory, int Erred, int Cancelled, int Remaining);

/// <summary>One bar of the task stream: a task's compute (or transfer) on a worker thread.</summary>
public sealed record TaskStreamBar(long Sequence, string Key, string Prefix, string Worker, long Thread, string Action, double Start, double Stop, string Status);

/// <summary>A page of results, with the total the filter matched.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, int PageNumber, int PageSize, int Total);
