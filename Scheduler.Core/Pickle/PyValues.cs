namespace Scheduler.Core.Pickle;

/// <summary>
/// Python values the scheduler builds itself (task tuples of expanded layers). Plain C# values stand for
/// themselves: string = str, long = int, double = float, bool, null = None, byte[] = bytes.
/// </summary>
public sealed record PyTuple(params object?[] Items)
{
    public override string ToString() => PyRepr.Repr(this);
}

/// <summary>A Python list.</summary>
public sealed record PyList(params object?[] Items);

/// <summary>A Python dict, in insertion order.</summary>
public sealed record PyDict(IReadOnlyList<KeyValuePair<object?, object?>> Items);

/// <summary>A module-level object referenced by name (a function or class), e.g. _operator.getitem.</summary>
public sealed record PyGlobal(string Module, string Name);

/// <summary>
/// An instance rebuilt as <c>cls.__new__(cls)</c> then <c>__dict__.update(state)</c> (pickle NEWOBJ + BUILD),
/// e.g. <c>dask.layers.CallableLazyImport(function_path=...)</c>.
/// </summary>
public sealed record PyObject(PyGlobal Class, PyDict State);

/// <summary>Python's <c>slice(start, stop, step)</c>.</summary>
public sealed record PySlice(object? Start, object? Stop, object? Step);
