using Scheduler.Core.Messages.Outgoing;

namespace Scheduler.Core.Protocol.Writing;

// The answer to register-worker.
public abstract partial class MessageWriter
{
    protected virtual MsgMap Reply(WorkerAccepted a) => new MsgMap(4)
        .Add("status", "OK").Add("time", a.Time).Add("heartbeat-interval", a.HeartbeatInterval).Add("worker-plugins", a.WorkerPlugins);

    protected virtual MsgMap Reply(WorkerRefused r) => new MsgMap(3).Add("status", "error").Add("message", r.Message).Add("time", r.Time);
}
