namespace Scheduler.Core.Protocol.Binding;

/// <summary>
/// A peer's op could not be read into its message record (a required field is missing or has the wrong type). The
/// connection answers that peer with the reason; the scheduler state never sees the op.
/// </summary>
public sealed class MessageBindingException(string op, string reason) : Exception($"{op}: {reason}")
{
    public string Op { get; } = op;
}
