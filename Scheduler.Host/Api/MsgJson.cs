using System.Text.Json.Nodes;
using Scheduler.Core.Protocol;

namespace Scheduler.Host.Api;

/// <summary>msgpack values (as decoded) to JSON, for Dask's JSON routes: maps, arrays, scalars; bytes as latin-1 text.</summary>
public static class MsgJson
{
    public static JsonNode? ToNode(object? value) => value switch
    {
        null => null,
        MsgMap m => Object(m),
        string s => JsonValue.Create(s),
        TupleKey t => JsonValue.Create(t.Repr),
        bool b => JsonValue.Create(b),
        long l => JsonValue.Create(l),
        int i => JsonValue.Create(i),
        ulong u => JsonValue.Create(u),
        double d => double.IsFinite(d) ? JsonValue.Create(d) : JsonValue.Create(d.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        byte[] bytes => JsonValue.Create(System.Text.Encoding.Latin1.GetString(bytes)),
        IEnumerable<object?> list => new JsonArray(list.Select(ToNode).ToArray()),
        _ => JsonValue.Create(value.ToString()),
    };

    private static JsonObject Object(MsgMap m)
    {
        var o = new JsonObject();
        foreach (var (k, v) in m) o[k is string s ? s : MsgDebug.Format(k)] = ToNode(v);
        return o;
    }
}
