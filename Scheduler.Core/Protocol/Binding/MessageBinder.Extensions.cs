using Scheduler.Core.Messages;

namespace Scheduler.Core.Protocol.Binding;

// The extensions' ops (locks, multi-locks, events, semaphores, variables, queues, datasets, pub/sub).
public abstract partial class MessageBinder
{
    /// <summary>An extension RPC, or null when <paramref name="op"/> is not one.</summary>
    protected virtual RpcMessage? BindExtensionRpc(string op, MsgMap m) => null;

    /// <summary>An extension op on a client stream, or null.</summary>
    protected virtual ClientMessage? BindExtensionClientOp(string op, MsgMap m) => null;

    /// <summary>An extension op on a worker stream, or null.</summary>
    protected virtual WorkerMessage? BindExtensionWorkerOp(string op, MsgMap m) => null;
}
