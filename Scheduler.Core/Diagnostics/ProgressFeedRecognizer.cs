using Scheduler.Core.Config;
using Scheduler.Core.Pickle;
using Scheduler.Core.Protocol;
using Scheduler.Core.State;

namespace Scheduler.Core.Diagnostics;

/// <summary>
/// What a recognised progress-bar <c>feed</c> asks for: the keys it watches, whether it counts tasks already
/// done (<c>complete</c>), one bar or one bar per key prefix (<c>MultiProgress</c> with key_split), and how
/// often it wants a reply.
/// </summary>
public sealed record ProgressFeedSpec(bool Multi, IReadOnlyList<string> Keys, bool Complete, double Interval);

/// <summary>
/// A feed the scheduler will not emulate: <see cref="Exception.Message"/> is what the user reads.
/// <see cref="Multi"/> says which progress bar it looked like (null: none), so the refusal can take the shape
/// that bar draws.
/// </summary>
public sealed class FeedRefusedException(string message, bool? multi) : Exception(message)
{
    public bool? Multi { get; } = multi;
}

/// <summary>
/// Recognises the <c>feed</c> requests of distributed's progress bars (<c>ProgressBar</c>, <c>TextProgressBar</c>,
/// <c>ProgressWidget</c>, <c>MultiProgressBar</c>, <c>MultiProgressWidget</c> of 2022.12.1). Their setup and
/// function are cloudpickled closures; Python's scheduler unpickles and runs them. This scheduler scans the
/// pickles' opcodes instead (<see cref="PickleScanner"/>: nothing is built, nothing runs): the closures'
/// module, qualified name and the globals they use say which progress bar it is, and their closure cells hold
/// the watched keys and the <c>complete</c> flag. Anything else is refused with a message saying why.
/// </summary>
public static class ProgressFeedRecognizer
{
    private const string BarModule = "distributed.diagnostics.progressbar";
    private const string ProgressModule = "distributed.diagnostics.progress";

    public static ProgressFeedSpec Recognize(MsgMap request)
    {
        bool? looksMulti = null;
        FeedRefusedException Refuse(string why) => ProgressFeedRecognizer.Refuse(why, looksMulti);

        if (request["teardown"] is not null)
            throw Refuse("a feed with a teardown function is not one of distributed's progress bars");
        var setup = Closure(request["setup"], "setup");
        var function = Closure(request["function"], "function");

        // Which bar: ProgressBar.listen's closures (shared by TextProgressBar and ProgressWidget), or
        // MultiProgressBar.listen's (shared by MultiProgressWidget).
        bool multi = setup.Qualname == "MultiProgressBar.listen.<locals>.setup";
        if (setup.Module == BarModule && (multi || setup.Qualname == "ProgressBar.listen.<locals>.setup")) looksMulti = multi;
        if (setup.Module != BarModule || (!multi && setup.Qualname != "ProgressBar.listen.<locals>.setup"))
            throw Refuse($"its setup is {setup.Module}.{setup.Qualname}, not a progress bar of {BarModule}");
        var expectedFunction = (multi ? "MultiProgressBar" : "ProgressBar") + ".listen.<locals>.function";
        if (function.Module != BarModule || function.Qualname != expectedFunction)
            throw Refuse($"its function is {function.Module}.{function.Qualname}, not {BarModule}.{expectedFunction}");
        var plugin = multi ? "MultiProgress" : "Progress";
        if (!setup.Globals.Any(g => g.Module == ProgressModule && g.Name == plugin))
            throw Refuse($"its setup does not create {ProgressModule}.{plugin}");

        // The closure cells, told apart by what they hold: keys is a set, complete a bool, func a function.
        PickledSet? keys = null;
        bool? complete = null;
        foreach (var cell in setup.Cells)
        {
            switch (cell)
            {
                case PickledSet s: keys = s; break;
                case bool b: complete = b; break;
                case PyGlobal g when multi:
                    if (!(g.Name == "key_split" && g.Module is "dask.utils" or "distributed.utils"))
                        throw Refuse($"it groups keys with {g.Module}.{g.Name}; only the default key_split grouping runs natively");
                    break;
                case PickledCall when multi:
                    throw Refuse("it groups keys with a custom function, which would have to run as Python on the scheduler; only the default key_split grouping runs natively");
            }
        }
        if (keys == null || complete == null) throw Refuse("its setup closure does not hold the keys and the complete flag");

        var keyList = new List<string>(keys.Items.Count);
        foreach (var k in keys.Items)
        {
            var key = k switch
            {
                PyTuple t => PyRepr.Repr(t),
                _ => TaskKeys.FromWire(k),
            } ?? throw Refuse($"it watches a key that is not a str, bytes or tuple ({k?.GetType().Name ?? "None"})");
            keyList.Add(key);
        }
        double interval = request["interval"] is null ? 1.0 : TimeParsing.ParseSeconds(request["interval"]) ?? 1.0;
        return new ProgressFeedSpec(multi, keyList, complete.Value, Math.Max(interval, 0.01));
    }

    private static FeedRefusedException Refuse(string why, bool? multi = null) => new(
        "This scheduler is not written in Python and never unpickles, so a 'feed' runs only when it is one of " +
        "distributed's progress bars, which it emulates natively. This feed is refused: " + why + ".", multi);

    private static CloudpickledFunction Closure(object? payload, string what)
    {
        if (payload is not byte[] bytes) throw Refuse($"its {what} is not a pickle");
        try
        {
            return CloudpickledFunction.Describe(bytes) ?? throw Refuse($"its {what} is not a cloudpickled function");
        }
        catch (PickleScanException e)
        {
            throw Refuse($"its {what} is not a readable pickle ({e.Message})");
        }
    }
}
