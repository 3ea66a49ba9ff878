namespace Scheduler.Core.Protocol;

/// <summary>Compares byte arrays by content (for sharing identical payloads, such as one pickled function).</summary>
public sealed class ByteContentComparer : IEqualityComparer<byte[]>
{
    public static readonly ByteContentComparer Instance = new();

    public bool Equals(byte[]? x, byte[]? y) =>
        ReferenceEquals(x, y) || (x != null && y != null && x.AsSpan().SequenceEqual(y));

    public int GetHashCode(byte[] bytes)
    {
        var hash = new HashCode();
        hash.AddBytes(bytes);
        return hash.ToHashCode();
    }
}
