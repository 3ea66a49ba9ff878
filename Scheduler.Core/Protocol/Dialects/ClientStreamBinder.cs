using Scheduler.Core.Graph;
using Scheduler.Core.State;

namespace Scheduler.Core.Protocol.Dialects;

/// <summary>
/// Turns one op from a client's stream into the stimulus the scheduler state consumes, per dialect. A graph is
/// expanded here, on the client's connection and off the scheduler's thread (it is a pure function of the message):
/// a 2022.12 client's update-graph-hlg from its msgpack layers, a 2024.12 client's update-graph from its pickle,
/// read symbolically. Either way the state sees the same op, update-graph-hlg, with a prepared graph.
/// </summary>
public static class ClientStreamBinder
{
    public static IEnumerable<ClientStreamOp> Bind(DaskDialect dialect, string clientId, string op, MsgMap msg)
    {
        if (op == "update-graph-hlg" && dialect == DaskDialect.Dask2022)
        {
            yield return new ClientStreamOp(clientId, op, msg) { Preparation = GraphPreparation.FromHlg(msg) };
            yield break;
        }
        if (dialect == DaskDialect.Dask2024)
        {
            switch (op)
            {
                case "update-graph":
                    var (normalized, preparation) = UpdateGraph2024.Bind(msg);
                    yield return new ClientStreamOp(clientId, "update-graph-hlg", normalized) { Preparation = preparation };
                    yield break;
                // A 2022.12 client's Future, made from a queue's or a variable's record, tells the scheduler it holds
                // the key (client-desires-keys) before the queue's or variable's hold is released; a 2024.12 Future
                // does not, and the release op implies it. Both become the 2022 sequence.
                case "queue-future-release":
                    yield return Desires(clientId, msg);
                    yield return new ClientStreamOp(clientId, op, msg);
                    yield break;
                case "variable-future-received-confirm":
                    yield return Desires(clientId, msg);
                    yield return new ClientStreamOp(clientId, "variable-future-release", msg);
                    yield break;
            }
        }
        yield return new ClientStreamOp(clientId, op, msg);
    }

    private static ClientStreamOp Desires(string clientId, MsgMap msg)
    {
        var desires = new MsgMap(3).Add("op", "client-desires-keys").Add("keys", new object?[] { msg["key"] });
        if (msg["client"] is { } client) desires.Add("client", client);
        return new ClientStreamOp(clientId, "client-desires-keys", desires);
    }
}
