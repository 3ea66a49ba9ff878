using Microsoft.Extensions.Logging;
using Scheduler.Core.Messages;
using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.Protocol;

namespace Scheduler.Core.State;

// distributed.Queue (QueueExtension): a FIFO of items per name (a future's key, or data), with an optional
// maxsize. Futures put in a queue are kept alive by the pseudo-client "queue-<name>", counted per
// key: the getter's client takes the key (client-desires-keys) and then sends queue-future-release. A get on
// an empty queue and a put on a full one wait (FIFO) until they can proceed or their timeout passes.
public sealed partial class SchedulerState
{
    private sealed class QueueGetter(long replyId, int needed, bool single)
    {
        public long ReplyId { get; } = replyId;
        public int Needed { get; } = needed;
        /// <summary>A plain get answers one record; a batch get answers an array.</summary>
        public bool Single { get; } = single;
        public List<StoredValue> Taken { get; } = [];
        public long Deadline { get; set; }
    }

    private sealed class QueuePutter(long replyId, StoredValue item)
    {
        public long ReplyId { get; } = replyId;
        public StoredValue Item { get; } = item;
        public long Deadline { get; set; }
    }

    private sealed class QueueState(long maxSize)
    {
        public long MaxSize { get; } = maxSize;
        public Queue<StoredValue> Items { get; } = new();
        /// <summary>queue_create calls minus queue_release calls; the queue is deleted at zero.</summary>
        public int ClientRefs { get; set; } = 1;
        public LinkedList<QueueGetter> Getters { get; } = new();
        public LinkedList<QueuePutter> Putters { get; } = new();
        public bool Full => MaxSize > 0 && Items.Count >= MaxSize;
    }

    private readonly Dictionary<object, QueueState> _queues = NameDictionary<QueueState>();
    /// <summary>(queue pseudo-client, key) -> number of times the key is held for that queue.</summary>
    private readonly Dictionary<(string Client, string Key), int> _queueFutureRefs = [];

    private static string QueueClient(object? name) => "queue-" + NameText(name);

    private void QueueCreate(object? rawName, long? maxSize)
    {
        var name = NameKey(rawName);
        if (_queues.TryGetValue(name, out var q)) q.ClientRefs++;
        else _queues[name] = new QueueState(maxSize ?? 0);
    }

    /// <summary>Python raises KeyError(name) for an unknown queue; the requester gets that exception.</summary>
    private static ErrorReply UnknownQueue(object? rawName) => new ErrorReply($"KeyError: {MsgDebug.Format(rawName)}");

    private void QueueRelease(object? rawName)
    {
        var name = NameKey(rawName);
        if (!_queues.TryGetValue(name, out var q)) return;
        if (--q.ClientRefs > 0) return;
        _queues.Remove(name);
        var keys = q.Items.Select(item => item.Key).OfType<string>().ToList();
        // Requests still waiting on the deleted queue would wait forever in Python; here their timeouts still
        // run, and those without one are left unanswered just the same.
        if (keys.Count > 0) PseudoClientReleases(QueueClient(rawName), keys);
    }

    private void QueuePut(RpcRequest r)
    {
        var put = (QueuePutRequest)r.Message;
        if (DeferUntilKeyKnown(r, put.Key, put.HasTimeout, put.Timeout, QueuePut)) return;
        var rawName = put.Name;
        StoredValue item;
        if (put.Key is { } key)
        {
            item = new StoredValue(key, null);
            var client = QueueClient(rawName);
            _queueFutureRefs[(client, key)] = _queueFutureRefs.GetValueOrDefault((client, key)) + 1;
            PseudoClientDesires(client, [key]);
        }
        else
        {
            item = new StoredValue(null, put.Data);
        }
        if (!_queues.TryGetValue(NameKey(rawName), out var q))
        {
            Answer(r, UnknownQueue(rawName));
            return;
        }
        if (!q.Full && q.Putters.Count == 0)
        {
            q.Items.Enqueue(item);
            ServeQueue(q);
            Answer(r, null);
            return;
        }
        var timeout = put.Timeout;
        if (timeout is <= 0)
        {
            Answer(r, new ErrorReply("TimeoutError: "));
            return;
        }
        var putter = new QueuePutter(r.ReplyId, item);
        var node = q.Putters.AddLast(putter);
        if (timeout is { } t)
            putter.Deadline = AddDeadline(Now + t, () =>
            {
                q.Putters.Remove(node);
                Answer(putter.ReplyId, new ErrorReply("TimeoutError: "));
            });
    }

    private void QueueGet(RpcRequest r)
    {
        var get = (QueueGetRequest)r.Message;
        var rawName = get.Name;
        if (!_queues.TryGetValue(NameKey(rawName), out var q))
        {
            Answer(r, UnknownQueue(rawName));
            return;
        }
        var timeout = get.Timeout;
        if (get.All)
        {
            // Everything there is now, without waiting.
            var all = new List<StoredValue>();
            while (q.Items.Count > 0) all.Add(q.Items.Dequeue());
            AdmitPutters(q);
            Answer(r, new StoredValues(all.Select(QueueRecordForGetter).ToList()));
            return;
        }
        QueueGetter getter;
        if (get.Count is not { } n)
        {
            getter = new QueueGetter(r.ReplyId, 1, single: true);
        }
        else
        {
            if (timeout != null)
            {
                Answer(r, new ErrorReply("NotImplementedError: Dask queues don't support simultaneous use of integer batch sizes and timeouts"));
                return;
            }
            getter = new QueueGetter(r.ReplyId, (int)Math.Max(0, n), single: false);
        }
        var node = q.Getters.AddLast(getter);
        ServeQueue(q);
        if (node.List == null) return; // answered at once
        if (timeout is <= 0)
        {
            q.Getters.Remove(node);
            Answer(r, new ErrorReply("TimeoutError: "));
            return;
        }
        if (timeout is { } t)
            getter.Deadline = AddDeadline(Now + t, () =>
            {
                q.Getters.Remove(node);
                // Records a batch getter already took are lost with it, as in Python.
                Answer(getter.ReplyId, new ErrorReply("TimeoutError: "));
            });
    }

    /// <summary>Feeds waiting getters from the queue (first come first served) and lets waiting putters in.</summary>
    private void ServeQueue(QueueState q)
    {
        while (q.Getters.First is { } first)
        {
            var g = first.Value;
            while (g.Taken.Count < g.Needed && q.Items.Count > 0) g.Taken.Add(q.Items.Dequeue());
            AdmitPutters(q);
            if (g.Taken.Count < g.Needed && q.Items.Count == 0) break;
            if (g.Taken.Count < g.Needed) continue;
            q.Getters.RemoveFirst();
            CancelDeadline(g.Deadline);
            Answer(g.ReplyId, g.Single ? QueueRecordForGetter(g.Taken[0]) : new StoredValues(g.Taken.Select(QueueRecordForGetter).ToList()));
        }
    }

    private void AdmitPutters(QueueState q)
    {
        while (!q.Full && q.Putters.First is { } first)
        {
            q.Putters.RemoveFirst();
            q.Items.Enqueue(first.Value.Item);
            CancelDeadline(first.Value.Deadline);
            Answer(first.Value.ReplyId, null);
        }
    }

    /// <summary>Python's process(): a Future record gets its key's current state (and exception when erred).</summary>
    private StoredValueReply QueueRecordForGetter(StoredValue item) => RecordFor(item);

    private object? QueueQsize(object? rawName) =>
        _queues.TryGetValue(NameKey(rawName), out var q) ? (long)q.Items.Count : UnknownQueue(rawName);

    /// <summary>queue-future-release: a getter's client now holds the key itself; the queue's hold drops by one.</summary>
    private void QueueFutureRelease(object? rawName, string? key)
    {
        if (key is null) return;
        var client = QueueClient(rawName);
        if (!_queueFutureRefs.TryGetValue((client, key), out var n))
        {
            _log.LogWarning("queue-future-release of {Key} for {Queue}, which does not hold it", key, client);
            return;
        }
        if (n > 1)
        {
            _queueFutureRefs[(client, key)] = n - 1;
            return;
        }
        _queueFutureRefs.Remove((client, key));
        PseudoClientReleases(client, [key]);
    }
}
