namespace Scheduler.Core.Pickle.Symbolic;

/// <summary>
/// A standalone protocol-5 pickle and the out-of-band buffers it consumes: its i-th NEXT_BUFFER is the source
/// pickle's buffer <c>BufferIndices[i]</c>.
/// </summary>
public readonly record struct EmittedPickle(byte[] Pickle, int[] BufferIndices);
