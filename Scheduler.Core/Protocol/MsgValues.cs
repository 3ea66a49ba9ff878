namespace Scheduler.Core.Protocol;

/// <summary>Conversions of decoded values to what a field means (sets, lists, numbers).</summary>
public static class MsgValues
{
    /// <summary>Items of a Python set (<c>{"__Set__": true, "as-list": [...]}</c>), list or tuple.</summary>
    public static IEnumerable<object?> SetItems(object? value) => value switch
    {
        MsgMap m when m.ContainsKey("__Set__") => m["as-list"] as IList<object?> ?? [],
        IList<object?> l => l,
        null => [],
        _ => [value],
    };

    public static bool IsSet(object? value) => value is MsgMap m && m.ContainsKey("__Set__");

    /// <summary>A Python set on the wire.</summary>
    public static MsgMap ToSet(IEnumerable<object?> items) =>
        new MsgMap().Add("__Set__", true).Add("as-list", items.ToArray());

    public static double? AsDouble(object? o) => o switch
    {
        double d => d,
        long l => l,
        ulong u => u,
        _ => null,
    };

    public static long? AsLong(object? o) => o switch
    {
        long l => l,
        ulong u when u <= long.MaxValue => (long)u,
        double d when d == Math.Floor(d) => (long)d,
        _ => null,
    };

    public static bool AsBool(object? o, bool fallback = false) => o switch
    {
        bool b => b,
        long l => l != 0,
        null => fallback,
        _ => fallback,
    };
}
