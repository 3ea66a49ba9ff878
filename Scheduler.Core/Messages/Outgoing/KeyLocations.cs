namespace Scheduler.Core.Messages.Outgoing;

/// <summary>Where a key's data is: the workers holding it (refresh-who-has, the gather RPC).</summary>
public readonly record struct KeyHolders(string Key, IReadOnlyList<string> Workers);

/// <summary>
/// Where a key's data is and how large it is (compute-task's dependencies, acquire-replicas): a who_has entry and an
/// nbytes entry. The size is kept boxed: a task's size, boxed once on the task, is listed by the compute-task of every
/// dependent, and the writer puts it in the message as it is.
/// </summary>
public readonly struct KeyReplicas
{
    public KeyReplicas(string key, IReadOnlyList<string> workers, long nbytes) : this(key, workers, (object)nbytes) { }

    internal KeyReplicas(string key, IReadOnlyList<string> workers, object boxedNbytes)
    {
        Key = key;
        Workers = workers;
        BoxedNbytes = boxedNbytes;
    }

    public string Key { get; }
    public IReadOnlyList<string> Workers { get; }
    public long Nbytes => (long)BoxedNbytes;
    internal object BoxedNbytes { get; }

    public override string ToString() => $"{Key} on [{string.Join(", ", Workers)}] ({Nbytes} bytes)";
}
