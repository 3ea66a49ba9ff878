using Scheduler.Core.Config;
using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.Protocol;
using Scheduler.Core.Protocol.Dialects;
using Scheduler.Core.State;
using TaskStatus = Scheduler.Core.State.TaskStatus;

namespace Scheduler.Core.Engine;

/// <summary>
/// Runs a small session through a throwaway <see cref="SchedulerState"/> (and the codec) once, at startup, off the
/// scheduler's thread. A fresh process otherwise pays first-use costs (JIT of the paths not precompiled, type
/// initialisers, regexes) on its first worker loss or first error: measured at about 15 ms, enough for a client in
/// the same event loop as the lost worker to see the old state (Dask's test_failed_worker of test_actor.py). The
/// real state is not touched; the warm-up's own outputs are discarded.
/// </summary>
public static class Warmup
{
    /// <summary>What the session went through (tests check that it reached the paths it is for).</summary>
    public sealed record Outcome(int Finished, bool ActorErred);

    public static Outcome Run()
    {
        int finished = 0;
        bool actorErred = false;
        double now = 1_000_000;
        var state = new SchedulerState(new SchedulerConfig(), new SchedulerIdentity("Scheduler-warmup", now));
        // The connections' own paths: each op written by a dialect's writer, frame 0 into a reused buffer, framed, then
        // read back in place.
        var scratch = new System.Buffers.ArrayBufferWriter<byte>(1024);
        var wire = new System.Buffers.ArrayBufferWriter<byte>(1024);
        var frames = new List<byte[]>();
        var writer = DaskDialect.Dask2022.Writer;
        var reader = new FrameReader();
        IReadOnlyList<Command> Send(Stimulus s)
        {
            s.Time = now += 0.001;
            var commands = state.Handle(s);
            foreach (var c in commands)
            {
                object? msg = c switch
                {
                    ToWorker w => writer.Write(w.Message) is { } op ? new object?[] { op } : null,
                    ToClient t => new object?[] { writer.Write(t.Message) },
                    Reply r => r.WrittenBy(writer),
                    WorkerRegistration r => writer.Write(r.Reply),
                    _ => null,
                };
                if (c is ToClient { Message: KeyInMemory }) finished++;
                if (c is ToClient { Message: KeyErred { Key: "actor-1" } }) actorErred = true;
                if (msg == null) continue;
                scratch.ResetWrittenCount();
                wire.ResetWrittenCount();
                MsgEncoder.EncodeInto(msg, scratch, frames, peerAcceptsLz4: true);
                FrameWriter.Write(wire, scratch.WrittenSpan, frames);
                var seq = new System.Buffers.ReadOnlySequence<byte>(wire.WrittenMemory);
                if (reader.TryReadSingleFrame(ref seq, out var frame0)) MsgDecoder.Decode(frame0);
                else if (reader.TryRead(ref seq, out var got)) MsgDecoder.Decode(got);
            }
            return commands;
        }

        const string A = "tcp://127.0.0.1:1", B = "tcp://127.0.0.1:2", C = "Client-warmup";
        foreach (var (address, conn) in new[] { (A, 1L), (B, 2L) })
        {
            Send(new WorkerConnected(conn, new MsgMap().Add("op", "register-worker").Add("address", address).Add("status", "init")
                .Add("nthreads", 1L).Add("name", address).Add("memory_limit", 1L << 30).Add("resources", new MsgMap())
                .Add("nbytes", new MsgMap()).Add("server_id", "Worker-" + address)));
            Send(new WorkerStreamOp(address, "worker-status-change", new MsgMap().Add("op", "worker-status-change").Add("status", "running")));
        }
        Send(new ClientConnected(3, C, new MsgMap().Add("op", "register-client").Add("client", C)));
        var spec = new MsgMap().Add("function", new byte[] { 0x80, 4, 0x2e }).Add("args", new byte[] { 0x80, 4, 0x29, 0x2e });
        var dsk = new MsgMap().Add("actor-1", spec).Add("inc-1", spec).Add("inc-2", spec).Add("sum-1", spec);
        var deps = new MsgMap().Add("actor-1", MsgValues.ToSet([])).Add("inc-1", MsgValues.ToSet([])).Add("inc-2", MsgValues.ToSet([]))
            .Add("sum-1", MsgValues.ToSet(["inc-1", "inc-2"]));
        var layer = new MsgMap().Add("__module__", "dask.highlevelgraph").Add("__name__", "MaterializedLayer")
            .Add("state", new MsgMap().Add("dsk", dsk).Add("dependencies", deps)).Add("annotations", new MsgMap());
        Send(new ClientStreamOp(C, "update-graph-hlg", new MsgMap().Add("op", "update-graph-hlg")
            .Add("hlg", new MsgMap().Add("layers", new object?[] { layer })).Add("keys", new object?[] { "actor-1", "sum-1" })
            .Add("priority", null).Add("submitting_task", null).Add("fifo_timeout", "100 ms").Add("actors", new object?[] { "actor-1" })));
        for (int round = 0; round < 3; round++)
            foreach (var t in state.Tasks.Values.Where(t => t.Status == TaskStatus.Processing).ToList())
            {
                if (t.Status != TaskStatus.Processing || t.ProcessingOn == null) continue; // an earlier report moved it
                var worker = t.ProcessingOn.Address;
                var report = new MsgMap().Add("key", t.Key).Add("thread", 1L).Add("stimulus_id", "warmup-" + t.Key)
                    .Add("startstops", new object?[] { new MsgMap().Add("action", "compute").Add("start", now).Add("stop", now + 0.001) });
                if (t.Key == "inc-2")
                    Send(new WorkerStreamOp(worker, "task-erred", report.Add("op", "task-erred").Add("exception", new byte[] { 1 })
                        .Add("traceback", null).Add("exception_text", "Exception()").Add("traceback_text", "").Add("status", "error")));
                else
                    Send(new WorkerStreamOp(worker, "task-finished", report.Add("op", "task-finished").Add("nbytes", 28L)
                        .Add("type", new byte[] { 1 }).Add("typename", "int").Add("metadata", new MsgMap()).Add("status", "OK")));
            }
        Send(new RpcRequest(4, "identity", new MsgMap().Add("op", "identity")));
        Send(new RpcRequest(5, "who_has", new MsgMap().Add("op", "who_has").Add("keys", null)));
        Send(new ClientStreamOp(C, "heartbeat-client", new MsgMap().Add("op", "heartbeat-client")));
        // The worker holding the actor leaves: the actor's future errs (the path a cold process is slowest on).
        var holder = state.Tasks.TryGetValue("actor-1", out var actor) ? actor.WhoHas.FirstOrDefault()?.Address ?? A : A;
        Send(new WorkerStreamOp(holder, "worker-status-change", new MsgMap().Add("op", "worker-status-change").Add("status", "closing")));
        Send(new WorkerDisconnected(holder == A ? 1 : 2, holder));
        Send(new ClientStreamOp(C, "client-releases-keys", new MsgMap().Add("op", "client-releases-keys")
            .Add("keys", new object?[] { "actor-1", "sum-1" }).Add("client", C)));
        Send(new Tick());

        Send(new ClientDisconnected(3, C));
        return new Outcome(finished, actorErred);
    }
}
