using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Scheduler.Core.State;

namespace Scheduler.Core.Engine;

/// <summary>Carries out commands (sends, replies, transfers). Must only enqueue, never block.</summary>
public interface ICommandSink
{
    void Execute(IReadOnlyList<Command> commands);

    /// <summary>
    /// The actor has no stimulus waiting, or has handled many in a row: what the commands since the last call queued
    /// can go out now, as one batch per peer. Must not block either.
    /// </summary>
    void EndOfTurn() { }
}

/// <summary>Receives the scheduler's events (history, dashboard). Must only enqueue, never block, and copy the list.</summary>
public interface ISchedulerEventSink
{
    void Publish(IReadOnlyList<Events.SchedulerEvent> events);
}

/// <summary>
/// The single writer of <see cref="SchedulerState"/>: reads stimuli from one channel, stamps their
/// time, applies them one at a time, and hands the resulting commands to the sink. Nothing is
/// awaited between taking a stimulus and handing over its commands.
/// </summary>
public sealed class SchedulerActor
{
    private readonly Channel<Stimulus> _inbox = Channel.CreateUnbounded<Stimulus>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
    private readonly SchedulerState _state;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private ICommandSink? _sink;

    public SchedulerActor(SchedulerState state, TimeProvider? time = null, ILogger? logger = null)
    {
        _state = state;
        _time = time ?? TimeProvider.System;
        _log = logger ?? NullLogger.Instance;
    }

    /// <summary>Stimuli handled so far (for diagnostics).</summary>
    public long Handled { get; private set; }

    public void Attach(ICommandSink sink) => _sink = sink;

    private ISchedulerEventSink[] _eventSinks = [];

    /// <summary>Adds a consumer of events; the state records events from then on. Call before the actor runs.</summary>
    public void Subscribe(ISchedulerEventSink sink)
    {
        _eventSinks = [.. _eventSinks, sink];
        _state.HistoryEnabled = true;
    }

    private long _version;

    /// <summary>Bumped after every handled stimulus: views re-read their snapshot when it moved (no per-event work).</summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>Thread-safe; never blocks.</summary>
    public void Post(Stimulus stimulus) => _inbox.Writer.TryWrite(stimulus);

    /// <summary>Seconds since the Unix epoch, as Python's time().</summary>
    public double Now() => (_time.GetUtcNow() - DateTimeOffset.UnixEpoch).TotalSeconds;

    /// <summary>Timers posting <see cref="Wakeup"/>, kept referenced until they fire.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<ITimer, byte> _wakeups = new();

    /// <summary>
    /// Stimuli the state asks for itself. A wake-up at a deadline (an RPC timeout, a lease check): it only asks
    /// again for an earlier time, so there are few timers, and a timer firing a little early is harmless (the state
    /// asks again). And another turn for a big graph, queued behind whatever arrived meanwhile.
    /// </summary>
    private void PostOwnStimuli(IReadOnlyList<Command> commands)
    {
        foreach (var c in commands)
        {
            if (c is WakeupAt w) ScheduleWakeup(w);
            else if (c is ContinueLater) Post(new ContinueGraph());
        }
    }

    // Apart from the loop above: the closure's captures live in this method's scope, so it is allocated per
    // wake-up, not per command carried out.
    private void ScheduleWakeup(WakeupAt w)
    {
        // 2 ms slack so that the stimulus time is past the deadline when it arrives.
        var due = TimeSpan.FromSeconds(Math.Max(0, w.At - Now()) + 0.002);
        ITimer? timer = null;
        timer = _time.CreateTimer(_ =>
        {
            Post(new Wakeup());
            if (timer != null && _wakeups.TryRemove(timer, out byte _)) timer.Dispose();
        }, null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _wakeups[timer] = 0;
        timer.Change(due, Timeout.InfiniteTimeSpan);
    }

    /// <summary>A stimulus handled for longer than this is logged as a warning (lowered by tests).</summary>
    internal TimeSpan SlowStimulus { get; set; } = TimeSpan.FromSeconds(1);

    private const int MaxStimuliPerTurn = 256;
    private static readonly TimeSpan MaxTurn = TimeSpan.FromMilliseconds(5);

    private void EndTurn()
    {
        try
        {
            _sink?.EndOfTurn();
        }
        catch (Exception e)
        {
            _log.LogError(e, "error ending a turn");
        }
    }

    public async Task RunAsync(CancellationToken stopping)
    {
        var reader = _inbox.Reader;
        try
        {
            while (await reader.WaitToReadAsync(stopping).ConfigureAwait(false))
            {
                // A turn ends when the inbox is empty, so a burst of stimuli leaves as one batch per peer; a long
                // burst is cut so that peers are not kept waiting for the whole of it.
                int inTurn = 0;
                long turnStarted = Stopwatch.GetTimestamp();
                while (true)
                {
                    if (inTurn >= MaxStimuliPerTurn || (inTurn > 0 && Stopwatch.GetElapsedTime(turnStarted) > MaxTurn))
                    {
                        EndTurn();
                        inTurn = 0;
                        turnStarted = Stopwatch.GetTimestamp();
                    }
                    if (!reader.TryRead(out var stimulus))
                    {
                        if (inTurn > 0) EndTurn();
                        break;
                    }
                    inTurn++;
                    stimulus.Time = Now();
                    IReadOnlyList<Command> commands;
                    long started = Stopwatch.GetTimestamp();
                    try
                    {
                        commands = _state.Handle(stimulus);
                        // Everything else waits while one stimulus runs (Dask warns of an unresponsive event loop).
                        var took = Stopwatch.GetElapsedTime(started);
                        if (took > SlowStimulus)
                            _log.LogWarning("handling {Stimulus} took {Seconds:F2} s; other clients and workers waited meanwhile",
                                stimulus.GetType().Name, took.TotalSeconds);
                    }
                    catch (Exception e)
                    {
                        // One bad stimulus must not take the scheduler down; Dask logs and carries on too.
                        _log.LogError(e, "error handling {Stimulus}", stimulus.GetType().Name);
                        continue;
                    }
                    Handled++;
                    Interlocked.Increment(ref _version);
                    var events = _state.Events;
                    if (events.Count > 0)
                        foreach (var sink in _eventSinks) sink.Publish(events);
                    if (commands.Count > 0)
                    {
                        PostOwnStimuli(commands);
                        _sink?.Execute(commands);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }
}
