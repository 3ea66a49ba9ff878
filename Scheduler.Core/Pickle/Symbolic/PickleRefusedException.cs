namespace Scheduler.Core.Pickle.Symbolic;

/// <summary>
/// A pickle the symbolic reader or emitter will not handle: malformed, truncated, over a <see cref="PickleBounds"/>
/// limit, or using an opcode that needs the sender's runtime (persistent ids, the copyreg extension registry).
/// </summary>
public sealed class PickleRefusedException : Exception
{
    public PickleRefusedException(string message, long offset = -1)
        : base(offset >= 0 ? $"{message} (at byte {offset})" : message) => Offset = offset;

    /// <summary>The byte offset of the opcode in the pickle, or -1 when the refusal is not about one opcode.</summary>
    public long Offset { get; }
}
