using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.Pickle;
using Scheduler.Core.State;

namespace Scheduler.Core.Protocol.Writing;

// The answers to RPCs, written for the connection that asked. Both versions read them alike; only keys differ.
public abstract partial class MessageWriter
{
    private object? Reply(RpcReply reply) => reply switch
    {
        OkReply => new MsgMap(1).Add("status", "OK"),
        ErrorReply e => Error(e.Text),
        GatherData g => new MsgMap(2).Add("status", "OK").Add("data", g.Data),
        GatherMissing g => new MsgMap(2).Add("status", "error").Add("keys", WhoHas(g.Keys)),
        PartialFail p => new MsgMap(2).Add("status", "partial-fail").Add("keys", Keys(p.Keys)),
        KeyList k => Keys(k.Keys),
        WhoHasReply w => WhoHas(w.Keys),
        KeysByWorker k => KeysPerWorker(k.Workers),
        KeySizes s => Sizes(s.Keys),
        KeyStatuses s => Statuses(s.Keys),
        // A 2024.12 task is its pickled run_spec (a Task, which knows its dependencies): sent as it came.
        RunSpecReply r => r.RunSpec is Pickled pickled ? pickled
            : new MsgMap(2).Add("task", r.RunSpec).Add("deps", Keys(r.Dependencies)),
        StoryReply s => Story(s.Transitions),
        ErrorCause c => c.Key is { } key ? Key(key) : null,
        HeartbeatAck h => new MsgMap(3).Add("status", "OK").Add("time", h.Time).Add("heartbeat-interval", h.HeartbeatInterval),
        HeartbeatMissing => new MsgMap(1).Add("status", "missing"),
        NannyRegistered n => new MsgMap(2).Add("status", "OK").Add("nanny-plugins", n.NannyPlugins),
        MonitorCount m => new MsgMap(2).Add("status", "OK").Add("result", m.Count),
        ProgressReport p => Ended(new MsgMap(5).Add("all", p.All).Add("remaining", p.Remaining), p.Status, p.Exception, p.ErrorKey),
        MultiProgressReport p => Ended(Groups(p.Groups), p.Status, p.Exception, p.ErrorKey),
        DatasetPublished d => new MsgMap(2).Add("status", "OK").Add("name", d.Name),
        PublishedDataset d => new MsgMap(2).Add("data", d.Data).Add("keys", Keys(d.Keys)),
        StoredData d => new MsgMap(2).Add("type", "msgpack").Add("value", d.Data),
        StoredFuture f => Future(f),
        StoredValues v => v.Items.Select(item => Reply(item)).ToArray(),
        PublisherAdded p => Publisher(p),
        HardwareBenchmark b => new MsgMap(3).Add("disk", Durations(b.Disk)).Add("memory", Durations(b.Memory)).Add("network", Durations(b.Network)),
        TaskStreamReply t => t.Records.Select(r => (object?)TaskStreamEntry(r)).ToArray(),
        SchedulerIdentityReply i => IdentityMap(i),
        RetiredWorkers r => IdentitiesByAddress(r.Workers),
        TopicEventsReply e => Events(e.Events),
        AllEventsReply a => AllEvents(a.Topics),
        PeerVersions v => v.Versions ?? new MsgMap(2).Add("host", new MsgMap()).Add("packages", new MsgMap()),
        _ => throw Unwritable(reply),
    };

    /// <summary>A task stream record as TaskStreamPlugin keeps it: the worker's report without its op, and the blamed
    /// key, the task's key and the worker set over what the report said.</summary>
    private MsgMap TaskStreamEntry(TaskStreamRecord r)
    {
        var record = new MsgMap(r.Report.Count + 3);
        foreach (var (k, v) in r.Report)
            if (k is not "op") record.Add(k, v);
        if (r.Cause != null) record.Set("cause", Key(r.Cause));
        record.Set("key", Key(r.Key));
        record.Set("worker", r.Worker);
        return record;
    }

    private static MsgMap Durations(IReadOnlyList<SizeDuration> sizes)
    {
        var map = new MsgMap(sizes.Count);
        foreach (var s in sizes) map.Add(s.Size, s.Seconds);
        return map;
    }

    /// <summary>distributed's PubSubSchedulerExtension.add_publisher: {subscribers: {worker: {}}, publish-scheduler}.</summary>
    private static MsgMap Publisher(PublisherAdded p)
    {
        var subscribers = new MsgMap(p.Subscribers.Count);
        foreach (var s in p.Subscribers) subscribers.Add(s, new MsgMap());
        return new MsgMap(2).Add("subscribers", subscribers).Add("publish-scheduler", p.PublishToScheduler);
    }

    /// <summary>A Future as distributed's Variable.get and Queue.get rebuild it.</summary>
    private MsgMap Future(StoredFuture f)
    {
        var record = new MsgMap(6).Add("type", "Future").Add("value", Key(f.Key));
        if (f.Token != null) record.Add("token", f.Token);
        record.Add("state", f.Status?.Wire() ?? "lost");
        if (f.Status == State.TaskStatus.Erred) record.Add("exception", f.Exception).Add("traceback", f.Traceback);
        return record;
    }

    /// <summary>A progress feed's status, and once it erred the exception and the key.</summary>
    private MsgMap Ended(MsgMap counts, string? status, object? exception, string? errorKey)
    {
        counts.Add("status", status);
        if (status == "error") counts.Add("exception", exception).Add("key", errorKey is null ? null : Key(errorKey));
        return counts;
    }

    private static MsgMap Groups(IReadOnlyList<GroupProgress> groups)
    {
        var all = new MsgMap(groups.Count);
        var left = new MsgMap(groups.Count);
        foreach (var g in groups)
        {
            all.Add(g.Group, g.All);
            left.Add(g.Group, g.Remaining);
        }
        return new MsgMap(5).Add("all", all).Add("remaining", left);
    }

    /// <summary>Builtin exception types the requester gets as real exceptions ("KeyError: x").</summary>
    private static readonly HashSet<string> BuiltinErrors =
        ["TimeoutError", "KeyError", "ValueError", "TypeError", "OSError", "RuntimeError", "NotImplementedError"];

    /// <summary>
    /// Dask's error_message as send_recv reads it: "KeyError: message" goes as a pickled builtins.KeyError, other text
    /// as the text (which clean_exception makes an Exception of).
    /// </summary>
    private static MsgMap Error(string text)
    {
        object exception = text;
        int colon = text.IndexOf(": ", StringComparison.Ordinal);
        if (colon > 0 && BuiltinErrors.Contains(text[..colon]))
            exception = SchedulerExceptions.Builtin(text[..colon], text[(colon + 2)..]);
        return new MsgMap(5)
            .Add("status", "uncaught-error")
            .Add("exception", exception)
            .Add("traceback", null)
            .Add("exception_text", text)
            .Add("traceback_text", "");
    }

    /// <summary>Dask's Transition tuples: (key, start, finish, recommendations, stimulus_id, time).</summary>
    private object?[] Story(IReadOnlyList<TransitionRecord> transitions)
    {
        var story = new object?[transitions.Count];
        for (int i = 0; i < story.Length; i++)
        {
            var t = transitions[i];
            var recs = new MsgMap();
            // Set: a key recommended twice keeps its last recommendation, as in Python's dict.
            foreach (var (k, st) in t.Recommendations) recs.Set(Key(k), st.Wire());
            story[i] = new object?[] { Key(t.Key), t.Start.Wire(), t.Finish.Wire(), recs, t.StimulusId, t.Time };
        }
        return story;
    }

    private MsgMap KeysPerWorker(IReadOnlyList<WorkerKeys> workers)
    {
        var map = new MsgMap(workers.Count);
        foreach (var w in workers) map.Add(w.Worker, Keys(w.Keys));
        return map;
    }

    private MsgMap Sizes(IReadOnlyList<KeySize> keys)
    {
        var map = new MsgMap(keys.Count);
        foreach (var k in keys) map.Add(Key(k.Key), k.Nbytes);
        return map;
    }

    private MsgMap Statuses(IReadOnlyList<KeyStatus> keys)
    {
        var map = new MsgMap(keys.Count);
        foreach (var k in keys) map.Add(Key(k.Key), k.Status?.Wire());
        return map;
    }
}
