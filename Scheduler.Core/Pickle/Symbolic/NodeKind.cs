namespace Scheduler.Core.Pickle.Symbolic;

/// <summary>What a <see cref="PickleNode"/> stands for: a value the pickle would build, never built.</summary>
public enum NodeKind : byte
{
    None,
    Bool,
    /// <summary>A Python int: <see cref="PickleNode.Value"/> is a long or, beyond 64 bits, a BigInteger.</summary>
    Int,
    Float,
    /// <summary>A str: a string, or the raw UTF-8 bytes when they hold lone surrogates C# cannot represent.</summary>
    Str,
    Bytes,
    ByteArray,
    Tuple,
    List,
    Dict,
    Set,
    FrozenSet,
    /// <summary>A module-level object by name (GLOBAL / STACK_GLOBAL).</summary>
    Global,
    /// <summary>A protocol-5 out-of-band buffer (NEXT_BUFFER), by its index among the pickle's buffers.</summary>
    Buffer,
    /// <summary><c>callable(*args)</c> (REDUCE, and the protocol 0/1 INST and OBJ).</summary>
    Reduce,
    /// <summary><c>cls.__new__(cls, *args)</c> (NEWOBJ).</summary>
    NewObj,
    /// <summary><c>cls.__new__(cls, *args, **kwargs)</c> (NEWOBJ_EX).</summary>
    NewObjEx,
}

/// <summary>The READONLY_BUFFER / READWRITE_BUFFER flag that followed a NEXT_BUFFER, if any.</summary>
public enum BufferFlag : byte
{
    Unspecified,
    ReadOnly,
    ReadWrite,
}
