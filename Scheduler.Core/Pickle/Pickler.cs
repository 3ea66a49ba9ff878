namespace Scheduler.Core.Pickle;

/// <summary>Pickles the Python values of <see cref="PyValues"/> (protocol 4, no memo: any Python 3.8+ reads it).</summary>
public static class Pickler
{
    public static byte[] Dumps(object? value)
    {
        var w = new PickleWriter();
        Write(w, value);
        return w.ToArray();
    }

    private static void Write(PickleWriter w, object? v)
    {
        switch (v)
        {
            case null: w.None(); break;
            case bool b: w.Bool(b); break;
            case long l: w.Int(l); break;
            case int i: w.Int(i); break;
            case double d: w.Float(d); break;
            case string s: w.Str(s); break;
            case byte[] bytes: w.Bytes(bytes); break;
            case PyTuple t:
                if (t.Items.Length == 0) { w.EmptyTuple(); break; }
                w.Mark();
                foreach (var x in t.Items) Write(w, x);
                w.Tuple();
                break;
            case PyList l:
                w.EmptyList();
                if (l.Items.Length == 0) break;
                w.Mark();
                foreach (var x in l.Items) Write(w, x);
                w.Appends();
                break;
            case PyDict d:
                w.EmptyDict();
                if (d.Items.Count == 0) break;
                w.Mark();
                foreach (var (k, x) in d.Items) { Write(w, k); Write(w, x); }
                w.SetItems();
                break;
            case PyGlobal g: w.Global(g.Module, g.Name); break;
            case PyObject o:
                w.Global(o.Class.Module, o.Class.Name).EmptyTuple().NewObj();
                Write(w, o.State);
                w.Build();
                break;
            case PySlice s:
                w.Global("builtins", "slice").Mark();
                Write(w, s.Start);
                Write(w, s.Stop);
                Write(w, s.Step);
                w.Tuple().Reduce();
                break;
            default: throw new ArgumentException($"cannot pickle a {v.GetType().Name}");
        }
    }

    /// <summary><c>dask.layers.CallableLazyImport(function_path)</c>: how Dask's unpackers name functions.</summary>
    public static PyObject LazyImport(string functionPath) =>
        new(new PyGlobal("dask.layers", "CallableLazyImport"),
            new PyDict([new KeyValuePair<object?, object?>("function_path", functionPath)]));
}
