using System.Diagnostics.Tracing;

namespace Scheduler.Host.Hosting;

/// <summary>
/// Follows the runtime's tiered compilation through its own events (the TieredCompilation keyword of the
/// "Microsoft-Windows-DotNETRuntime" source): whether its call-counting delay is on, and whether its background
/// compiler has work queued. <see cref="StartupWarmup"/> waits on it: the JIT's compiled-method count alone cannot
/// tell "nothing queued" from "queued, waiting for the delay to pass". The events arrive through EventPipe, some
/// milliseconds late.
/// </summary>
public sealed class TieringMonitor : EventListener
{
    private const string RuntimeSource = "Microsoft-Windows-DotNETRuntime";
    private const EventKeywords TieredCompilationKeyword = (EventKeywords)0x1000000000;

    private readonly object _gate = new();
    private bool _delayOn;
    private bool _compiling;
    private long _pending;
    private long _compiled;

    /// <summary>
    /// A consistent reading of the runtime's tiering: whether its call-counting delay is on, whether its background
    /// compiler is at work, what it last reported still queued, and what it compiled since this monitor started.
    /// </summary>
    public readonly record struct Reading(bool DelayOn, bool Compiling, long Pending, long Compiled);

    public Reading Now
    {
        get { lock (_gate) return new Reading(_delayOn, _compiling, _pending, _compiled); }
    }

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == RuntimeSource) EnableEvents(source, EventLevel.Verbose, TieredCompilationKeyword);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        lock (_gate)
        {
            switch (e.EventName)
            {
                case "TieredCompilationPause": _delayOn = true; break;
                case "TieredCompilationResume": _delayOn = false; break;
                case "TieredCompilationBackgroundJitStart":
                    _compiling = true;
                    _pending = Payload(e, "PendingMethodCount");
                    break;
                case "TieredCompilationBackgroundJitStop":
                    _compiling = false;
                    _pending = Payload(e, "PendingMethodCount");
                    _compiled += Payload(e, "JittedMethodCount");
                    break;
            }
        }
    }

    private static long Payload(EventWrittenEventArgs e, string name)
    {
        int i = e.PayloadNames?.IndexOf(name) ?? -1;
        return i >= 0 && e.Payload?[i] is { } v ? Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture) : 0;
    }
}
