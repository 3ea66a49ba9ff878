using Scheduler.Core.Messages;

namespace Scheduler.Core.Protocol.Binding;

// The scheduler's own RPCs (Scheduler.handlers of Dask): queries, gather/scatter, cluster operations.
public abstract partial class MessageBinder
{
    /// <summary>A cluster RPC, or null when <paramref name="op"/> is not one.</summary>
    protected virtual RpcMessage? BindClusterRpc(string op, MsgMap m) => null;
}
