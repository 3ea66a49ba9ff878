using System.Buffers;
using Scheduler.Core.Config;
using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.Protocol;
using Scheduler.Core.Protocol.Dialects;
using Scheduler.Core.State;

namespace Scheduler.Core.Engine;

/// <summary>
/// One of <see cref="Warmup"/>'s sessions: a throwaway <see cref="SchedulerState"/>, and the connections' codec in one
/// dialect. Each stimulus is handled, and each message it sends is written by the dialect's writer, frame 0 into a
/// reused buffer, framed, then read back in place, as a connection would.
/// </summary>
internal sealed class WarmupSession(DaskDialect dialect)
{
    private readonly ArrayBufferWriter<byte> _scratch = new(1024);
    private readonly ArrayBufferWriter<byte> _wire = new(1024);
    private readonly List<byte[]> _frames = [];
    private readonly FrameReader _reader = new();
    private double _now = 1_000_000;

    public SchedulerState State { get; } = new(new SchedulerConfig(), new SchedulerIdentity("Scheduler-warmup", 1_000_000));
    public DaskDialect Dialect { get; } = dialect;
    public double Now => _now;

    public IReadOnlyList<Command> Send(Stimulus s)
    {
        s.Time = _now += 0.001;
        var commands = State.Handle(s);
        var writer = Dialect.Writer;
        foreach (var c in commands)
        {
            object? msg = c switch
            {
                ToWorker w => writer.Write(w.Message) is { } op ? new object?[] { op } : null,
                ToClient t => new object?[] { writer.Write(t.Message) },
                Reply r => r.WrittenBy(writer),
                WorkerRegistration r => writer.Write(r.Reply),
                _ => null,
            };
            if (msg != null) RoundTrip(msg);
        }
        return commands;
    }

    /// <summary>A message as the peer at the other end of a connection reads it: encoded, framed and decoded.</summary>
    public object? RoundTrip(object? msg)
    {
        _scratch.ResetWrittenCount();
        _wire.ResetWrittenCount();
        MsgEncoder.EncodeInto(msg, _scratch, _frames, peerAcceptsLz4: true);
        FrameWriter.Write(_wire, _scratch.WrittenSpan, _frames);
        var seq = new ReadOnlySequence<byte>(_wire.WrittenMemory);
        if (_reader.TryReadSingleFrame(ref seq, out var frame0)) return MsgDecoder.Decode(frame0);
        return _reader.TryRead(ref seq, out var got) ? MsgDecoder.Decode(got) : null;
    }

    /// <summary>A worker's registration fields as both dialects send them (the 2024.12 ones add what is not read).</summary>
    public static MsgMap RegisterWorker(string address) => new MsgMap().Add("op", "register-worker").Add("address", address)
        .Add("status", "init").Add("nthreads", 1L).Add("name", address).Add("memory_limit", 1L << 30)
        .Add("resources", new MsgMap()).Add("nbytes", new MsgMap()).Add("server_id", "Worker-" + address);
}
