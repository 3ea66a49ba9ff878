using Scheduler.Core.Config;
using Scheduler.Core.State;

namespace Scheduler.Core.Protocol.Binding;

// How the binders read a field. Lenient where Dask is (a missing optional field is its default, a key list may be a
// single key or a set); a field that is required and unreadable is a MessageBindingException naming the op and field.
public abstract partial class MessageBinder
{
    /// <summary>A string field, or null when it is absent or not a string.</summary>
    protected static string? OptString(MsgMap m, string field) => m[field] as string;

    /// <summary>A string field that must be there.</summary>
    protected static string RequireString(MsgMap m, string op, string field) =>
        m[field] as string ?? throw new MessageBindingException(op, $"'{field}' must be a string, got {MsgDebug.Format(m[field])}");

    /// <summary>A task key (str, bytes or tuple), or null when absent or not a key.</summary>
    protected static string? Key(MsgMap m, string field) => TaskKeys.FromWire(m[field]);

    /// <summary>A list (or set, or single value) of task keys; what is not a key is skipped, as Dask's handlers skip unknown keys.</summary>
    protected static List<string> Keys(MsgMap m, string field) => KeyList(m[field]);

    /// <summary>A list of task keys from a value already read.</summary>
    protected static List<string> KeyList(object? value)
    {
        var list = new List<string>();
        foreach (var k in MsgValues.SetItems(value))
            if (TaskKeys.FromWire(k) is { } key) list.Add(key);
        return list;
    }

    /// <summary>A boolean field, <paramref name="fallback"/> when absent.</summary>
    protected static bool Flag(MsgMap m, string field, bool fallback = false) => MsgValues.AsBool(m[field], fallback);

    /// <summary>A number field, or null.</summary>
    protected static double? OptDouble(MsgMap m, string field) => MsgValues.AsDouble(m[field]);

    /// <summary>An integer field, or null.</summary>
    protected static long? OptLong(MsgMap m, string field) => MsgValues.AsLong(m[field]);

    /// <summary>A duration (seconds, or Dask's "5s"/"100ms" text), or null when absent.</summary>
    protected static double? Seconds(MsgMap m, string field) => TimeParsing.ParseSeconds(m[field]);

    /// <summary>Event topics: a single name, or a list or set of them (what is not a string is skipped).</summary>
    protected static List<string> Topics(object? topic)
    {
        var list = new List<string>();
        foreach (var t in topic is string s ? [s] : MsgValues.SetItems(topic))
            if (t is string ts) list.Add(ts);
        return list;
    }

    /// <summary>A map field, or null.</summary>
    protected static MsgMap? OptMap(MsgMap m, string field) => m[field] as MsgMap;
}
