using Scheduler.Core.Graph;
using Scheduler.Core.State;

namespace Scheduler.Core.Protocol.Binding;

/// <summary>distributed 2022.12's ops: the shared reading, which was written against it.</summary>
public sealed partial class Dask2022Binder : MessageBinder
{
    public static readonly Dask2022Binder Instance = new();

    private Dask2022Binder() { }

    public override IEnumerable<ClientStreamOp> BindClientOp(string clientId, string op, MsgMap fields) =>
        // A graph is expanded and ordered here, on the client's connection and off the scheduler's thread: it is a
        // pure function of the message.
        [StreamOp(clientId, op, fields, op == "update-graph-hlg" ? GraphPreparation.FromHlg(fields) : null)];
}
