using Scheduler.Core.Protocol;

namespace Scheduler.Core.State;

/// <summary>A client (or a pseudo-client such as "fire-and-forget") and the futures it holds.</summary>
public sealed class ClientState(string id)
{
    public string Id { get; } = id;
    public HashSet<TaskState> WantsWhat { get; } = [];
    public double LastSeen { get; set; }
    public MsgMap? Versions { get; set; }
    /// <summary>True while a stream connection is attached (pseudo-clients never have one).</summary>
    public bool Connected { get; set; }
    public HashSet<string> Topics { get; } = [];

    public override string ToString() => $"<Client {Id}>";
}
