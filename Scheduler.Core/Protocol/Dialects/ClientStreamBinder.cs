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
    public static ClientStreamOp Bind(DaskDialect dialect, string clientId, string op, MsgMap msg)
    {
        if (op == "update-graph-hlg" && dialect == DaskDialect.Dask2022)
            return new ClientStreamOp(clientId, op, msg) { Preparation = GraphPreparation.FromHlg(msg) };
        if (op == "update-graph" && dialect == DaskDialect.Dask2024)
        {
            var (normalized, preparation) = UpdateGraph2024.Bind(msg);
            return new ClientStreamOp(clientId, "update-graph-hlg", normalized) { Preparation = preparation };
        }
        return new ClientStreamOp(clientId, op, msg);
    }
}
