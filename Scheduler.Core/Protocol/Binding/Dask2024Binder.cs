using Scheduler.Core.Messages;
using Scheduler.Core.Protocol.Dialects;
using Scheduler.Core.State;

namespace Scheduler.Core.Protocol.Binding;

/// <summary>distributed 2024.12's ops: the shared reading, and the ops this version sends differently.</summary>
public sealed partial class Dask2024Binder : MessageBinder
{
    public static readonly Dask2024Binder Instance = new();

    private Dask2024Binder() { }

    public override IEnumerable<ClientStreamOp> BindClientOp(string clientId, string op, MsgMap fields)
    {
        switch (op)
        {
            case "update-graph":
                // The pickled graph is read symbolically and expanded here, off the scheduler's thread; the state
                // sees the same op as a 2022.12 client's update-graph-hlg, with a prepared graph.
                var (normalized, preparation) = UpdateGraph2024.Bind(fields);
                return [StreamOp(clientId, "update-graph-hlg", normalized, preparation)];
            // A 2022.12 client's Future, made from a queue's or a variable's record, tells the scheduler it holds the
            // key (client-desires-keys) before the queue's or variable's hold is released; a 2024.12 Future does
            // not, and the release op implies it. Both become the 2022 sequence.
            case "queue-future-release":
                return [Desires(clientId, fields), StreamOp(clientId, op, fields)];
            case "variable-future-received-confirm":
                return [Desires(clientId, fields), StreamOp(clientId, "variable-future-release", fields)];
            default:
                return [StreamOp(clientId, op, fields)];
        }
    }

    private static ClientStreamOp Desires(string clientId, MsgMap fields) =>
        new(clientId, "client-desires-keys", new KeysDesired(Key(fields, "key") is { } key ? [key] : []))
        {
            NamedClient = NamedClient(fields),
        };
}
