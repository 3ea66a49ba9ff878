using Scheduler.Core.Messages;

namespace Scheduler.Core.Protocol.Binding;

// The clients' and workers' stream ops: graphs, key wishes, task reports, worker status.
public abstract partial class MessageBinder
{
    /// <summary>A client stream op, or null when <paramref name="op"/> is not one this file reads.</summary>
    protected virtual ClientMessage? BindClientStreamOp(string op, MsgMap m) => null;

    /// <summary>A worker stream op, or null.</summary>
    protected virtual WorkerMessage? BindWorkerStreamOp(string op, MsgMap m) => null;
}
