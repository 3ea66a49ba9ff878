using System.Buffers.Binary;
using System.Text;

namespace Scheduler.Core.Pickle;

/// <summary>
/// Writes Python pickles (protocol 4) from scratch for the few objects the scheduler itself must
/// create: exceptions it raises (KilledWorker) and, later, task tuples of expanded graph layers.
/// Writing is safe; this scheduler never unpickles (PickleScanner only describes a pickle's opcodes).
/// </summary>
public sealed class PickleWriter
{
    private readonly MemoryStream _out = new(64);

    public PickleWriter()
    {
        _out.WriteByte(0x80); // PROTO
        _out.WriteByte(4);
    }

    public PickleWriter None() { _out.WriteByte((byte)'N'); return this; }

    public PickleWriter Bool(bool b) { _out.WriteByte(b ? (byte)0x88 : (byte)0x89); return this; }

    public PickleWriter Int(long v)
    {
        if (v >= 0 && v < 256) { _out.WriteByte((byte)'K'); _out.WriteByte((byte)v); }
        else if (v >= int.MinValue && v <= int.MaxValue)
        {
            _out.WriteByte((byte)'J');
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(b, (int)v);
            _out.Write(b);
        }
        else
        {
            // LONG1: little-endian two's complement, 8 bytes is always enough for a long.
            _out.WriteByte(0x8a);
            _out.WriteByte(8);
            Span<byte> b = stackalloc byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(b, v);
            _out.Write(b);
        }
        return this;
    }

    public PickleWriter Float(double d)
    {
        _out.WriteByte((byte)'G');
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteDoubleBigEndian(b, d);
        _out.Write(b);
        return this;
    }

    public PickleWriter Str(string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        if (bytes.Length < 256) { _out.WriteByte(0x8c); _out.WriteByte((byte)bytes.Length); }
        else
        {
            _out.WriteByte((byte)'X');
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(b, bytes.Length);
            _out.Write(b);
        }
        _out.Write(bytes);
        return this;
    }

    public PickleWriter Bytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 256) { _out.WriteByte((byte)'C'); _out.WriteByte((byte)bytes.Length); }
        else
        {
            _out.WriteByte((byte)'B');
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(b, bytes.Length);
            _out.Write(b);
        }
        _out.Write(bytes);
        return this;
    }

    /// <summary>A module-level name (STACK_GLOBAL), e.g. ("types", "SimpleNamespace").</summary>
    public PickleWriter Global(string module, string name)
    {
        Str(module);
        Str(name);
        _out.WriteByte(0x93);
        return this;
    }

    public PickleWriter Mark() { _out.WriteByte((byte)'('); return this; }
    /// <summary>Builds a tuple from everything since the last <see cref="Mark"/>.</summary>
    public PickleWriter Tuple() { _out.WriteByte((byte)'t'); return this; }
    public PickleWriter EmptyTuple() { _out.WriteByte((byte)')'); return this; }
    public PickleWriter EmptyList() { _out.WriteByte((byte)']'); return this; }
    /// <summary>Appends everything since the last <see cref="Mark"/> to the list below it.</summary>
    public PickleWriter Appends() { _out.WriteByte((byte)'e'); return this; }
    public PickleWriter EmptyDict() { _out.WriteByte((byte)'}'); return this; }
    /// <summary>Sets key/value pairs pushed since the last <see cref="Mark"/> into the dict below it.</summary>
    public PickleWriter SetItems() { _out.WriteByte((byte)'u'); return this; }
    /// <summary>cls.__new__(cls, *args) with cls below the argument tuple on top of the stack.</summary>
    public PickleWriter NewObj() { _out.WriteByte(0x81); return this; }
    /// <summary>Calls the callable below the argument tuple on top of the stack.</summary>
    public PickleWriter Reduce() { _out.WriteByte((byte)'R'); return this; }
    /// <summary>obj.__setstate__(state) or obj.__dict__.update(state) with the state on top.</summary>
    public PickleWriter Build() { _out.WriteByte((byte)'b'); return this; }

    private bool _stopped;

    /// <summary>The finished pickle (STOP appended once); the writer takes no more values after this.</summary>
    public byte[] ToArray()
    {
        if (!_stopped)
        {
            _out.WriteByte((byte)'.'); // STOP
            _stopped = true;
        }
        return _out.ToArray();
    }
}

/// <summary>Pickled exceptions the scheduler raises itself, as Dask's scheduler would.</summary>
public static class SchedulerExceptions
{
    /// <summary>
    /// <c>distributed.scheduler.KilledWorker(task, last_worker, allowed_failures)</c>. The last worker is a
    /// <c>types.SimpleNamespace(address=..., name=...)</c>: its message only reads <c>.address</c>.
    /// </summary>
    public static byte[] KilledWorker(string key, string lastWorker, object? lastWorkerName, int allowedFailures)
    {
        var w = new PickleWriter();
        w.Global("distributed.scheduler", "KilledWorker");
        w.Mark();
        w.Str(key);
        w.Global("types", "SimpleNamespace").EmptyTuple().Reduce();
        w.EmptyDict().Mark().Str("address").Str(lastWorker).Str("name");
        switch (lastWorkerName)
        {
            case string s: w.Str(s); break;
            case long l: w.Int(l); break;
            default: w.Str(lastWorker); break;
        }
        w.SetItems().Build();
        w.Int(allowedFailures);
        w.Tuple().Reduce();
        return w.ToArray();
    }

    /// <summary><c>OSError(text)</c>, for broadcast results with on_error="return_pickle".</summary>
    public static byte[] OSError(string text) =>
        new PickleWriter().Global("builtins", "OSError").Mark().Str(text).Tuple().Reduce().ToArray();

    /// <summary><c>builtins.&lt;type&gt;(text)</c> for one of Python's builtin exception types.</summary>
    public static byte[] Builtin(string type, string text) =>
        new PickleWriter().Global("builtins", type).Mark().Str(text).Tuple().Reduce().ToArray();
}
