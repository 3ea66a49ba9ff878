using Scheduler.Core.Messages;
using Scheduler.Core.State;

namespace Scheduler.Core.Protocol.Binding;

/// <summary>
/// Reads the ops of one Dask dialect into message records: the only place, with the dialects' writers, where the
/// wire's field names live. One binder per dialect; what both dialects send alike is read by the shared methods of
/// this base, one partial file per concern, and a dialect's binder overrides the ops its version sends differently.
/// An op no binder types yet passes as an untyped record with its fields.
/// </summary>
public abstract partial class MessageBinder
{
    public static MessageBinder Dask2022 => Dask2022Binder.Instance;
    public static MessageBinder Dask2024 => Dask2024Binder.Instance;

    /// <summary>A request/reply op.</summary>
    public RpcMessage BindRpc(string op, MsgMap fields) =>
        BindClusterRpc(op, fields) ?? BindExtensionRpc(op, fields) ?? new UntypedRpc(fields);

    /// <summary>An op on a worker's stream.</summary>
    public WorkerMessage BindWorkerOp(string op, MsgMap fields) =>
        BindWorkerStreamOp(op, fields) ?? BindExtensionWorkerOp(op, fields) ?? new UntypedWorkerOp(fields);

    /// <summary>One op on a client's stream, as the stimuli it means (a dialect may read one op as several).</summary>
    public virtual IEnumerable<ClientStreamOp> BindClientOp(string clientId, string op, MsgMap fields)
    {
        yield return new ClientStreamOp(clientId, op, BindClientMessage(op, fields));
    }

    /// <summary>One client stream op read as one message.</summary>
    public ClientMessage BindClientMessage(string op, MsgMap fields) =>
        BindClientStreamOp(op, fields) ?? BindExtensionClientOp(op, fields) ?? new UntypedClientOp(fields);
}
