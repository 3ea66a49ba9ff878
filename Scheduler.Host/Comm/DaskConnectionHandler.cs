using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Scheduler.Core.Engine;
using Scheduler.Core.Protocol;
using Scheduler.Core.Messages;
using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.Protocol.Binding;
using Scheduler.Core.Protocol.Dialects;
using Scheduler.Core.State;
using Scheduler.Host.Diagnostics;
using Scheduler.Host.Hosting;

namespace Scheduler.Host.Comm;

/// <summary>
/// Kestrel's handler for the Dask TCP port. It frames, decodes and enqueues; it never touches the
/// scheduler state. A connection is an RPC comm (request, reply, repeat) until its first
/// register-client or register-worker turns it into that peer's batched stream.
/// </summary>
public sealed class DaskConnectionHandler(
    SchedulerActor actor,
    ConnectionRegistry registry,
    SchedulerRuntime runtime,
    LogRing logRing,
    Api.StateReader stateReader,
    ILogger<DaskConnectionHandler> log) : ConnectionHandler
{
    public override async Task OnConnectedAsync(ConnectionContext context)
    {
        var peer = context.RemoteEndPoint?.ToString() ?? "?";
        var comm = new DaskComm(context.Transport.Input, context.Transport.Output, peer, runtime.FrameLimits);
        var conn = new DaskConnection(registry.NextConnectionId(), comm, log);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.ConnectionClosed, conn.Closed);
        var ct = linked.Token;
        registry.Add(conn);
        try
        {
            await comm.AcceptHandshakeAsync(runtime.Config.Compression, ct).ConfigureAwait(false);
            while (true)
            {
                var message = await comm.ReadMessageAsync(ct).ConfigureAwait(false);
                if (message == DaskComm.EndOfStream) break;
                if (conn.Role == ConnectionRole.Rpc)
                {
                    if (message is not MsgMap request || request["op"] is not string op)
                        throw new ProtocolException("an RPC message must be a map with an op, not " + MsgDebug.Format(message));
                    if (op == "register-client" || op == "register-worker")
                    {
                        // The dialect is the version the peer registers with; a version we do not serve is told
                        // so, in the form its own code reads, and the connection ends.
                        var dialect = DaskDialect.FromVersions(request["versions"] as MsgMap, comm.Dialect, out var refusal);
                        if (dialect == null)
                        {
                            log.LogWarning("refusing {Op} from {Peer}: {Reason}", op, peer, refusal);
                            await comm.WriteAsync(op == "register-client"
                                ? new object?[] { new MsgMap().Add("op", "stream-start").Add("error", refusal).Add("warning", "") }
                                : new MsgMap().Add("status", "error").Add("message", refusal), ct).ConfigureAwait(false);
                            break;
                        }
                        comm.Dialect = dialect;
                        conn.Role = op == "register-client" ? ConnectionRole.Client : ConnectionRole.Worker;
                        if (op == "register-client")
                        {
                            var registration = dialect.Binder.BindRegisterClient(request);
                            var clientId = registration.Client ?? throw new ProtocolException("register-client without a client id");
                            conn.BoundTo = clientId;
                            actor.Post(new ClientConnected(conn.Id, clientId, registration) { Dialect = dialect });
                        }
                        else
                        {
                            actor.Post(new WorkerConnected(conn.Id, dialect.Binder.BindRegisterWorker(request)) { Dialect = dialect });
                        }
                        continue;
                    }
                    if (op == "feed")
                    {
                        await ProgressFeedComm.RunAsync(comm, conn.Id, request, actor, registry, log, ct).ConfigureAwait(false);
                        break;
                    }
                    if (op == "register_nanny" && request["address"] is string nanny)
                    {
                        await NannyRegistrationAsync(comm, nanny, request, ct).ConfigureAwait(false);
                        break;
                    }
                    if (!await HandleRpcAsync(comm, op, request, ct).ConfigureAwait(false)) break;
                    continue;
                }
                if (!DispatchStreamBatch(conn, message)) break;
            }
        }
        catch (ProtocolException e)
        {
            log.LogWarning("closing connection from {Peer}: {Reason}", peer, e.Message);
        }
        catch (OperationCanceledException) { }
        catch (Exception e) when (e is IOException or EndOfStreamException or ConnectionResetException or ObjectDisposedException)
        {
            log.LogDebug("connection from {Peer} ended: {Reason}", peer, e.Message);
        }
        finally
        {
            if (registry.IsCurrent(conn))
            {
                registry.Unbind(conn);
                if (conn.Role == ConnectionRole.Worker) actor.Post(new WorkerDisconnected(conn.Id, conn.BoundTo!));
                else if (conn.Role == ConnectionRole.Client) actor.Post(new ClientDisconnected(conn.Id, conn.BoundTo!));
            }
            registry.Remove(conn);
            conn.Abort();
        }
    }

    /// <summary>
    /// A 2024.12 nanny registers on a comm of its own: the reply carries the nanny plugins, then the nanny starts its
    /// worker, writes how that went ({"status": "ok" | "error"}) and closes. Until then it is starting (the state holds
    /// back nanny plugins registered meanwhile); whatever ends the comm ends the start.
    /// </summary>
    private async Task NannyRegistrationAsync(DaskComm comm, string nanny, MsgMap request, CancellationToken ct)
    {
        try
        {
            await HandleRpcAsync(comm, "register_nanny", request, ct).ConfigureAwait(false);
            var outcome = await comm.ReadMessageAsync(ct).ConfigureAwait(false);
            log.LogDebug("nanny {Nanny} started: {Outcome}", nanny, MsgDebug.Format(outcome));
        }
        finally
        {
            actor.Post(new NannyStartEnded(nanny));
        }
    }

    /// <summary>Handles one request; false when the comm must close.</summary>
    private async Task<bool> HandleRpcAsync(DaskComm comm, string op, MsgMap request, CancellationToken ct)
    {
        bool wantsReply = request["reply"] is not false;
        bool closeAfter = request["close"] is true;
        if (op == "close")
        {
            if (wantsReply) await comm.WriteAsync("OK", ct).ConfigureAwait(false);
            return false;
        }
        if (op is "get_logs" or "logs")
        {
            // The process's own log records: host state, not scheduler state, so answered here.
            var logs = logRing.Get(MsgValues.AsDouble(request["start"]) ?? 0, MsgValues.AsLong(request["n"]), MsgValues.AsBool(request["timestamps"]));
            if (wantsReply) await comm.WriteAsync(logs, ct).ConfigureAwait(false);
            return !closeAfter;
        }
        if (op == "performance_report")
        {
            // Our own HTML report of the period (Dask renders Bokeh figures here): built from a state read.
            var html = await Reports.PerformanceReport.BuildAsync(stateReader, MsgValues.AsDouble(request["start"]) ?? 0,
                request["code"] as string, ct).ConfigureAwait(false);
            if (wantsReply) await comm.WriteAsync(html, ct).ConfigureAwait(false);
            return !closeAfter;
        }
        RpcMessage bound;
        try
        {
            bound = comm.Dialect.Binder.BindRpc(op, request);
        }
        catch (MessageBindingException e)
        {
            // A request the binder cannot read is answered as an error to this peer only; the state never sees it.
            log.LogWarning("refusing RPC {Op} from {Peer}: {Reason}", op, comm.Peer, e.Message);
            if (wantsReply) await comm.WriteAsync(comm.Dialect.Writer.Write(new ErrorReply($"TypeError: {e.Message}")), ct).ConfigureAwait(false);
            return !closeAfter;
        }
        var (replyId, reply) = wantsReply ? registry.NewReply(comm) : registry.NewReply(comm.Dialect.Writer);
        actor.Post(new RpcRequest(replyId, op, bound));
        var result = await reply.WaitAsync(ct).ConfigureAwait(false);
        if (result is ConnectionRegistry.SentReply sent)
        {
            // Written by the actor already; a close must wait until the transport has it.
            if ((await sent.Flush.ConfigureAwait(false)).IsCompleted) throw new EndOfStreamException($"{comm.Peer} stopped reading");
        }
        else if (wantsReply) await comm.WriteAsync(result, ct).ConfigureAwait(false);
        return !closeAfter;
    }

    /// <summary>Posts each op of a batch; false on close-stream.</summary>
    private bool DispatchStreamBatch(DaskConnection conn, object? message)
    {
        var ops = message as IList<object?> ?? [message];
        foreach (var item in ops)
        {
            if (item is string s && s == "OK") break; // legacy: a bare "OK" ends the batch
            if (item is not MsgMap msg || msg["op"] is not string op)
            {
                log.LogWarning("ignoring a malformed stream message from {Peer}: {Message}", conn.Comm.Peer, MsgDebug.Format(item));
                continue;
            }
            if (op == "close-stream") return false;
            try
            {
                if (conn.Role == ConnectionRole.Client)
                    // Expanding and ordering a graph is pure work on the message: the binder does it here, on this
                    // client's connection, so the scheduler's one thread only links the prepared tasks.
                    foreach (var stimulus in conn.Comm.Dialect.Binder.BindClientOp(conn.BoundTo!, op, msg).ToList()) actor.Post(stimulus);
                else if (registry.IsCurrent(conn))
                    actor.Post(new WorkerStreamOp(conn.BoundTo!, op, conn.Comm.Dialect.Binder.BindWorkerOp(op, msg)));
            }
            catch (MessageBindingException e)
            {
                // A stream op has no reply to carry an error: it is logged and dropped, and the stream goes on.
                log.LogWarning("ignoring stream op {Op} from {Peer}: {Reason}", op, conn.Comm.Peer, e.Message);
            }
        }
        return true;
    }
}
