namespace Scheduler.Core.Pickle.Symbolic;

/// <summary>
/// Limits on what the symbolic reader and emitter accept, so a hostile or corrupt pickle costs bounded memory
/// and time. The defaults fit the biggest graphs a client sends (hundreds of thousands of tasks).
/// </summary>
/// <param name="MaxBytes">The largest pickle read, and the largest one emitted.</param>
/// <param name="MaxNodes">The most nodes one read may create.</param>
/// <param name="MaxDepth">The deepest nesting: open MARKs while reading, open containers while emitting.</param>
public sealed record PickleBounds(long MaxBytes = 1L << 30, int MaxNodes = 50_000_000, int MaxDepth = 10_000)
{
    public static PickleBounds Default { get; } = new();
}
