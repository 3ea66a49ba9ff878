namespace Scheduler.Core.State;

/// <summary>
/// The newest <see cref="Capacity"/> records of an endless sequence, each with its sequence number (1 for the first
/// record ever added). Readers that remember the last sequence they saw ask for what came after it and pay only
/// for that (the dashboard polls the task stream every second; walking 100,000 old records each time was waste).
/// </summary>
public sealed class RecentRecords<T>(int capacity)
{
    private readonly List<T> _items = [];
    private int _head; // slot of the oldest record once the buffer is full

    public int Capacity { get; } = Math.Max(1, capacity);

    /// <summary>Records added so far: the sequence number of the newest one.</summary>
    public long Total { get; private set; }

    public int Count => _items.Count;

    /// <summary>Sequence number of the oldest record still held.</summary>
    public long FirstSequence => Total - _items.Count + 1;

    public void Add(T item)
    {
        if (_items.Count < Capacity) _items.Add(item);
        else
        {
            _items[_head] = item;
            _head = (_head + 1) % Capacity;
        }
        Total++;
    }

    /// <summary>The record with this sequence number; it must lie in [<see cref="FirstSequence"/>, <see cref="Total"/>].</summary>
    public T At(long sequence)
    {
        long offset = sequence - FirstSequence;
        if (offset < 0 || offset >= _items.Count) throw new ArgumentOutOfRangeException(nameof(sequence));
        return _items[(int)((_head + offset) % _items.Count)];
    }

    /// <summary>The records after <paramref name="afterSequence"/>, oldest first, with their sequence numbers.</summary>
    public IEnumerable<(long Sequence, T Item)> After(long afterSequence)
    {
        for (long seq = Math.Max(afterSequence + 1, FirstSequence); seq <= Total; seq++) yield return (seq, At(seq));
    }

    /// <summary>Every record held, oldest first.</summary>
    public IEnumerable<T> All() => After(0).Select(r => r.Item);
}
