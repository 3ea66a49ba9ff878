using Microsoft.Extensions.Logging;
using Scheduler.Core.Protocol;

namespace Scheduler.Core.State;

// distributed.Variable (VariableExtension): one value per name, either msgpack data or a Future's key. A key
// is kept alive by the pseudo-client "variable-<name>". variable_get hands out a Future with a token; the
// getter's client first takes the key itself (client-desires-keys) and then returns the token
// (variable-future-release). A replaced or deleted key is only let go once every token handed out for it has
// come back, so a getter never receives a Future whose task was forgotten in between.
public sealed partial class SchedulerState
{
    private sealed class VariableState
    {
        /// <summary>{"type": "msgpack"|"Future", "value": data or wire key}; null once deleted.</summary>
        public MsgMap? Record { get; set; }
        /// <summary>Internal key -> tokens handed out by variable_get and not yet returned.</summary>
        public Dictionary<string, HashSet<object>> Tokens { get; } = [];
        /// <summary>Keys to release once their tokens are back.</summary>
        public HashSet<string> ReleaseWhenDrained { get; } = [];
        /// <summary>Pending variable_get requests: reply id -> deadline handle.</summary>
        public Dictionary<long, long> Waiters { get; } = [];
    }

    private readonly Dictionary<object, VariableState> _variables = NameDictionary<VariableState>();
    private long _variableTokens;

    private static string VariableClient(object? name) => "variable-" + NameText(name);

    private void VariableSetRpc(RpcRequest r)
    {
        if (DeferUntilKeyKnown(r, VariableSetRpc)) return;
        VariableSet(r.Fields["name"], r.Fields["key"], r.Fields["data"]);
        Answer(r, null);
    }

    private void VariableSet(object? rawName, object? wireKey, object? data)
    {
        var name = NameKey(rawName);
        if (!_variables.TryGetValue(name, out var v)) _variables[name] = v = new VariableState();
        string? key = wireKey != null ? TaskKeys.FromWire(wireKey) : null;
        MsgMap record;
        if (key != null)
        {
            record = new MsgMap().Add("type", "Future").Add("value", wireKey);
            PseudoClientDesires(VariableClient(rawName), [key]);
        }
        else
        {
            record = new MsgMap().Add("type", "msgpack").Add("value", data);
        }
        if (v.Record is { } old && old["type"] as string == "Future" && TaskKeys.FromWire(old["value"]) is { } oldKey && oldKey != key)
            ReleaseVariableKey(rawName, v, oldKey);
        v.Record = record;
        foreach (var (replyId, deadline) in v.Waiters)
        {
            CancelDeadline(deadline);
            Answer(replyId, VariableRecordForGetter(v));
        }
        v.Waiters.Clear();
    }

    private void ReleaseVariableKey(object? rawName, VariableState v, string key)
    {
        if (v.Tokens.TryGetValue(key, out var tokens) && tokens.Count > 0) v.ReleaseWhenDrained.Add(key);
        else
        {
            v.Tokens.Remove(key);
            PseudoClientReleases(VariableClient(rawName), [key]);
        }
    }

    private MsgMap VariableRecordForGetter(VariableState v)
    {
        var record = v.Record!;
        if (record["type"] as string != "Future") return record;
        var token = (++_variableTokens).ToString("x32");
        if (TaskKeys.FromWire(record["value"]) is { } key)
        {
            if (!v.Tokens.TryGetValue(key, out var tokens)) v.Tokens[key] = tokens = new HashSet<object>(MsgValueComparer.Instance);
            tokens.Add(token);
        }
        return FutureRecord(record["value"], token);
    }

    private void VariableGet(RpcRequest r)
    {
        var rawName = r.Fields["name"];
        var name = NameKey(rawName);
        if (_variables.TryGetValue(name, out var v) && v.Record != null)
        {
            Answer(r, VariableRecordForGetter(v));
            return;
        }
        var timeout = TimeoutOf(r.Fields["timeout"]);
        if (timeout is <= 0)
        {
            Answer(r, UncaughtError("TimeoutError: "));
            return;
        }
        if (v == null) _variables[name] = v = new VariableState();
        long replyId = r.ReplyId;
        v.Waiters[replyId] = timeout is { } t
            ? AddDeadline(Now + t, () =>
            {
                v.Waiters.Remove(replyId);
                Answer(replyId, UncaughtError("TimeoutError: "));
                DropVariableIfIdle(name, v);
            })
            : 0;
    }

    private void VariableFutureRelease(object? rawName, object? wireKey, object? token)
    {
        var name = NameKey(rawName);
        var key = TaskKeys.FromWire(wireKey);
        if (key == null || !_variables.TryGetValue(name, out var v) || !v.Tokens.TryGetValue(key, out var tokens)
            || token == null || !tokens.Remove(token))
        {
            _log.LogWarning("variable-future-release for {Name}/{Key} with an unknown token", NameText(rawName), MsgDebug.Format(wireKey));
            return;
        }
        if (tokens.Count > 0) return;
        v.Tokens.Remove(key);
        if (v.ReleaseWhenDrained.Remove(key))
        {
            PseudoClientReleases(VariableClient(rawName), [key]);
            // A deleted variable whose last key is now released: its pseudo-client goes too.
            if (v.Record == null && v.ReleaseWhenDrained.Count == 0) RemovePseudoClient(VariableClient(rawName));
        }
        DropVariableIfIdle(name, v);
    }

    /// <summary>variable_delete (a stream op; also accepted as an RPC): forget the value and let go of its key.</summary>
    private void VariableDelete(object? rawName)
    {
        var name = NameKey(rawName);
        if (!_variables.TryGetValue(name, out var v))
        {
            RemovePseudoClient(VariableClient(rawName));
            return;
        }
        if (v.Record is { } old && old["type"] as string == "Future" && TaskKeys.FromWire(old["value"]) is { } oldKey)
            ReleaseVariableKey(rawName, v, oldKey);
        v.Record = null;
        // Python waits for the tokens of the key, then removes the pseudo-client (releasing all it holds).
        if (v.ReleaseWhenDrained.Count == 0) RemovePseudoClient(VariableClient(rawName));
        DropVariableIfIdle(name, v);
    }

    private void DropVariableIfIdle(object name, VariableState v)
    {
        if (v.Record == null && v.Waiters.Count == 0 && v.Tokens.Count == 0 && v.ReleaseWhenDrained.Count == 0) _variables.Remove(name);
    }
}
