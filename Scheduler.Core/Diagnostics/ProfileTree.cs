using Scheduler.Core.Protocol;

namespace Scheduler.Core.Diagnostics;

/// <summary>Dask's profile trees (distributed.profile): {"count", "children", "identifier", "description"}.</summary>
public static class ProfileTree
{
    /// <summary>profile.create(): the empty root.</summary>
    public static MsgMap Empty() => new MsgMap()
        .Add("count", 0L)
        .Add("children", new MsgMap())
        .Add("identifier", "root")
        .Add("description", new MsgMap().Add("filename", "").Add("name", "").Add("line_number", 0L).Add("line", ""));

    /// <summary>profile.merge(): counts added, children merged by identifier, recursively.</summary>
    public static MsgMap Merge(IReadOnlyList<MsgMap> trees)
    {
        if (trees.Count == 0) return Empty();
        var children = new Dictionary<object, List<MsgMap>>(MsgValueComparer.Instance);
        var order = new List<object>();
        long count = 0;
        foreach (var t in trees)
        {
            count += MsgValues.AsLong(t["count"]) ?? 0;
            if (t["children"] is not MsgMap ch) continue;
            foreach (var (id, sub) in ch)
            {
                if (id == null || sub is not MsgMap subtree) continue;
                if (!children.TryGetValue(id, out var l)) { children[id] = l = []; order.Add(id); }
                l.Add(subtree);
            }
        }
        var merged = new MsgMap();
        foreach (var id in order) merged.Add(id, Merge(children[id]));
        return new MsgMap()
            .Add("description", trees[0]["description"])
            .Add("children", merged)
            .Add("count", count)
            .Add("identifier", trees[0]["identifier"]);
    }
}
