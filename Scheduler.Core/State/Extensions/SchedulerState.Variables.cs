using Microsoft.Extensions.Logging;
using Scheduler.Core.Messages;
using Scheduler.Core.Messages.Outgoing;
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
        /// <summary>The value; null before the first set and once deleted.</summary>
        public StoredValue? Value { get; set; }
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
        var set = (VariableSetRequest)r.Message;
        if (DeferUntilKeyKnown(r, set.Key, set.HasTimeout, set.Timeout, VariableSetRpc)) return;
        VariableSet(set.Name, set.Key, set.Data);
        Answer(r, null);
    }

    private void VariableSet(object? rawName, string? key, object? data)
    {
        var name = NameKey(rawName);
        if (!_variables.TryGetValue(name, out var v)) _variables[name] = v = new VariableState();
        var value = key != null ? new StoredValue(key, null) : new StoredValue(null, data);
        if (key != null) PseudoClientDesires(VariableClient(rawName), [key]);
        if (v.Value?.Key is { } oldKey && oldKey != key)
            ReleaseVariableKey(rawName, v, oldKey);
        v.Value = value;
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

    private StoredValueReply VariableRecordForGetter(VariableState v)
    {
        var value = v.Value!;
        if (value.Key is not { } key) return RecordFor(value);
        var token = (++_variableTokens).ToString("x32");
        if (!v.Tokens.TryGetValue(key, out var tokens)) v.Tokens[key] = tokens = new HashSet<object>(MsgValueComparer.Instance);
        tokens.Add(token);
        return FutureRecord(key, token);
    }

    private void VariableGet(RpcRequest r)
    {
        var get = (VariableGetRequest)r.Message;
        var name = NameKey(get.Name);
        if (_variables.TryGetValue(name, out var v) && v.Value != null)
        {
            Answer(r, VariableRecordForGetter(v));
            return;
        }
        var timeout = get.Timeout;
        if (timeout is <= 0)
        {
            Answer(r, new ErrorReply("TimeoutError: "));
            return;
        }
        if (v == null) _variables[name] = v = new VariableState();
        long replyId = r.ReplyId;
        v.Waiters[replyId] = timeout is { } t
            ? AddDeadline(Now + t, () =>
            {
                v.Waiters.Remove(replyId);
                Answer(replyId, new ErrorReply("TimeoutError: "));
                DropVariableIfIdle(name, v);
            })
            : 0;
    }

    private void VariableFutureRelease(object? rawName, string? key, object? token)
    {
        var name = NameKey(rawName);
        if (key == null || !_variables.TryGetValue(name, out var v) || !v.Tokens.TryGetValue(key, out var tokens)
            || token == null || !tokens.Remove(token))
        {
            _log.LogWarning("variable-future-release for {Name}/{Key} with an unknown token", NameText(rawName), key);
            return;
        }
        if (tokens.Count > 0) return;
        v.Tokens.Remove(key);
        if (v.ReleaseWhenDrained.Remove(key))
        {
            PseudoClientReleases(VariableClient(rawName), [key]);
            // A deleted variable whose last key is now released: its pseudo-client goes too.
            if (v.Value == null && v.ReleaseWhenDrained.Count == 0) RemovePseudoClient(VariableClient(rawName));
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
        if (v.Value?.Key is { } oldKey)
            ReleaseVariableKey(rawName, v, oldKey);
        v.Value = null;
        // Python waits for the tokens of the key, then removes the pseudo-client (releasing all it holds).
        if (v.ReleaseWhenDrained.Count == 0) RemovePseudoClient(VariableClient(rawName));
        DropVariableIfIdle(name, v);
    }

    private void DropVariableIfIdle(object name, VariableState v)
    {
        if (v.Value == null && v.Waiters.Count == 0 && v.Tokens.Count == 0 && v.ReleaseWhenDrained.Count == 0) _variables.Remove(name);
    }
}
