using Scheduler.Core.Protocol;

namespace Scheduler.Core.State;

/// <summary>A client (or a pseudo-client such as "fire-and-forget") and the futures it holds.</summary>
public sealed class ClientState(string id)
{
    public string Id { get; } = id;
    public HashSet<TaskState> WantsWhat { get; } = [];
    public double LastSeen { get; set; }
    public MsgMap? Versions { get; set; }
    /// <summary>The Dask version the client speaks; its computations run only on workers of the same one.</summary>
    public Protocol.Dialects.DaskDialect Dialect { get; set; } = Protocol.Dialects.DaskDialect.Dask2022;
    /// <summary>True while a stream connection is attached (pseudo-clients never have one).</summary>
    public bool Connected { get; set; }
    public HashSet<string> Topics { get; } = [];

    public override string ToString() => $"<Client {Id}>";
}
