namespace Scheduler.Core.Pickle;

/// <summary>
/// What a cloudpickled dynamic function (a closure or lambda, pickled by value) says about itself, read from its
/// pickle's opcodes alone: cloudpickle 2.x rebuilds it with <c>_make_function(...)</c> and then applies its
/// attributes with <c>_function_setstate(func, (state, slotstate))</c>; the slot state holds its module,
/// qualified name, closure cells and the globals it uses (by reference).
/// </summary>
public sealed record CloudpickledFunction(string? Module, string? Qualname, IReadOnlyList<PyGlobal> Globals, IReadOnlyList<object?> Cells)
{
    /// <summary>The description, or null when the bytes are not a cloudpickled dynamic function.</summary>
    /// <exception cref="PickleScanException">The bytes are not a pickle.</exception>
    public static CloudpickledFunction? Describe(byte[] pickle)
    {
        var scan = PickleScanner.Scan(pickle);
        var setState = scan.Calls.FirstOrDefault(c =>
            c.Callable is PyGlobal { Name: "_function_setstate" } g && g.Module.StartsWith("cloudpickle", StringComparison.Ordinal)
            && c.ArgList.Length == 2 && ReferenceEquals(c.ArgList[0], scan.Value));
        if (setState?.ArgList[1] is not PyTuple { Items: [_, PickledDict slots] }) return null;
        var globals = new List<PyGlobal>();
        if (slots["__globals__"] is PickledDict g2)
            foreach (var kv in g2)
                if (kv.Value is PyGlobal pg) globals.Add(pg);
        var cells = new List<object?>();
        if (slots["__closure__"] is PyTuple closure)
            foreach (var c in closure.Items)
                if (c is PickledCall { Callable: PyGlobal { Name: "_make_cell" } } cell && cell.ArgList.Length == 1)
                    cells.Add(cell.ArgList[0]);
        return new CloudpickledFunction(slots["__module__"] as string, slots["__qualname__"] as string, globals, cells);
    }
}
