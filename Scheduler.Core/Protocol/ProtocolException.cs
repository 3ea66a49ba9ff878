using System.Diagnostics.CodeAnalysis;

namespace Scheduler.Core.Protocol;

/// <summary>Bytes from a peer that do not form a valid Dask message. Fatal for that connection only.</summary>
public sealed class ProtocolException(string message) : Exception(message)
{
    [DoesNotReturn]
    public static void Throw(string message) => throw new ProtocolException(message);
}
