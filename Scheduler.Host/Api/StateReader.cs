using Scheduler.Core.Engine;
using Scheduler.Core.Protocol;
using Scheduler.Core.Protocol.Writing;
using Scheduler.Core.State;
using Scheduler.Host.Comm;

namespace Scheduler.Host.Api;

/// <summary>
/// How the host's views read the scheduler: a <see cref="StateQuery"/> runs the read on the scheduler's thread
/// between two stimuli, so a view never races the state and the scheduler never waits for a view.
/// </summary>
public sealed class StateReader(SchedulerActor actor, ConnectionRegistry registry)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>A view's request is bound as a 2022.12 peer's (<see cref="RpcRequest"/> of a map), so its reply is
    /// written as one's.</summary>
    private static readonly MessageWriter Asker = MessageWriter.Dask2022;

    public async Task<T> ReadAsync<T>(Func<SchedulerState, T> read, CancellationToken ct = default)
    {
        var (id, reply) = registry.NewReply(Asker);
        actor.Post(new StateQuery(id, s => read(s)));
        return (T)(await reply.WaitAsync(Timeout, ct).ConfigureAwait(false))!;
    }

    /// <summary>Runs a scheduler RPC op (as a Dask peer would) and returns its reply.</summary>
    public async Task<object?> RpcAsync(string op, MsgMap message, TimeSpan timeout, CancellationToken ct = default)
    {
        var (id, reply) = registry.NewReply(Asker);
        message.Set("op", op);
        actor.Post(new RpcRequest(id, op, message));
        return await reply.WaitAsync(timeout, ct).ConfigureAwait(false);
    }
}
