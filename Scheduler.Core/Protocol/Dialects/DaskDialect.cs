namespace Scheduler.Core.Protocol.Dialects;

/// <summary>
/// The Dask version a peer speaks, chosen per connection. Where two versions put different fields on the wire, the
/// dialect's binder (what peers send) and writer (what the scheduler sends) are the one place that knows: the state
/// reads and makes message records, and the connection binds and writes them. The state never asks which dialect a
/// peer has; it only keeps a computation on workers of the dialect of the client that submitted it, by comparing the two.
/// </summary>
public abstract class DaskDialect
{
    public static readonly DaskDialect Dask2022 = new Dask2022Dialect();
    public static readonly DaskDialect Dask2024 = new Dask2024Dialect();

    /// <summary>The release series, "2022.12" or "2024.12".</summary>
    public abstract string Name { get; }

    /// <summary>Reads this dialect's ops into message records.</summary>
    public abstract Binding.MessageBinder Binder { get; }

    /// <summary>Writes message records as this dialect's ops.</summary>
    public abstract Writing.MessageWriter Writer { get; }

    /// <summary>Whether the peer's keys are tuples (a msgpack array) rather than their repr: how the encoder writes a
    /// <see cref="TupleKey"/> (in a 2024.12 op, and in any reply that names keys).</summary>
    public abstract bool TupleKeys { get; }

    /// <summary>
    /// Whether this version's scheduler errs a task, with a MemoryError, instead of sending it to a worker whose
    /// memory_limit its inputs alone exceed (2024.12's _add_to_processing; 2022.12's sends it, and the worker dies).
    /// A computation keeps the behaviour of the Dask its client runs.
    /// </summary>
    public abstract bool RefusesTasksOverMemoryLimit { get; }

    public override string ToString() => "Dask " + Name;

    /// <summary>The versions this scheduler serves, for refusals.</summary>
    public const string Supported = "distributed 2022.12.x (Debian 12) and 2024.12.x (Debian 13 and later)";

    /// <summary>
    /// The dialect of a peer from the <c>versions</c> it registers with (<c>packages.distributed</c>); null with a
    /// refusal when its version is not served. A peer that sends no versions (our own tools) keeps
    /// <paramref name="fallback"/>.
    /// </summary>
    public static DaskDialect? FromVersions(MsgMap? versions, DaskDialect fallback, out string? refusal)
    {
        refusal = null;
        var distributed = (versions?["packages"] as MsgMap)?["distributed"] as string;
        if (distributed == null) return fallback;
        if (distributed.StartsWith("2022.12.", StringComparison.Ordinal)) return Dask2022;
        if (distributed.StartsWith("2024.12.", StringComparison.Ordinal)) return Dask2024;
        refusal = $"This scheduler does not serve distributed {distributed}: it serves {Supported}. " +
            "Dask 2025.4 and later send graphs as pickled expressions that only a Python scheduler can lower.";
        return null;
    }

    /// <summary>
    /// The dialect of a connection that never registers (a client's or worker's RPC comm), from the Python version in
    /// its handshake: Debian 12's Dask runs on Python 3.11, Debian 13's on 3.13 and later.
    /// </summary>
    public static DaskDialect FromHandshake(MsgMap? handshake)
    {
        if (handshake?["python"] is object?[] { Length: >= 2 } v && v[0] is long major && v[1] is long minor)
            return major > 3 || (major == 3 && minor >= 12) ? Dask2024 : Dask2022;
        return Dask2022;
    }
}
