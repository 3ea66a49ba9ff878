using Microsoft.Extensions.Logging;
using Scheduler.Core.Diagnostics;
using Scheduler.Core.Engine;
using Scheduler.Core.Protocol;
using Scheduler.Core.State;

namespace Scheduler.Host.Comm;

/// <summary>
/// A comm that opened with <c>feed</c>: Python's scheduler runs the sent closures and writes the function's
/// result every interval until the peer closes. Here a recognised progress bar gets the same stream of replies
/// from a native tracker in the scheduler (polled through the actor, never read from another thread); any other
/// feed gets one error reply saying why, and the comm closes.
/// </summary>
public static class ProgressFeedComm
{
    public static async Task RunAsync(
        DaskComm comm, long feedId, MsgMap request, SchedulerActor actor, ConnectionRegistry registry, ILogger log, CancellationToken ct)
    {
        ProgressFeedSpec spec;
        try
        {
            spec = ProgressFeedRecognizer.Recognize(request);
        }
        catch (FeedRefusedException e)
        {
            log.LogWarning("refused a feed from {Peer}: {Reason}", comm.Peer, e.Message);
            await comm.WriteAsync(Refusal(e), ct).ConfigureAwait(false);
            return;
        }
        log.LogDebug("progress feed {Feed} from {Peer}: {Keys} keys, multi={Multi}", feedId, comm.Peer, spec.Keys.Count, spec.Multi);

        // The peer sends nothing more on a feed comm: a completed read means it closed (or broke) the comm.
        using var readCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var peerDone = comm.ReadFramesAsync(readCts.Token);
        var interval = TimeSpan.FromSeconds(spec.Interval);
        try
        {
            bool first = true;
            while (!peerDone.IsCompleted)
            {
                var (replyId, reply) = registry.NewReply(comm.Dialect.Writer);
                actor.Post(new ProgressFeedPoll(replyId, feedId, first ? spec : null));
                first = false;
                if (await reply.WaitAsync(ct).ConfigureAwait(false) is MsgMap result)
                    await comm.WriteAsync(result, ct).ConfigureAwait(false);
                await Task.WhenAny(Task.Delay(interval, ct), peerDone).ConfigureAwait(false);
                ct.ThrowIfCancellationRequested();
            }
        }
        finally
        {
            actor.Post(new ProgressFeedClosed(feedId));
            await readCts.CancelAsync().ConfigureAwait(false);
            await ((Task)peerDone).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>
    /// One error reply in the shape of a progress bar's: a bar draws it and shows the exception text (distributed's
    /// clean_exception turns a str into Exception(str)); any other reader sees status "error" and the text.
    /// </summary>
    private static MsgMap Refusal(FeedRefusedException e)
    {
        var reply = new MsgMap();
        if (e.Multi == true) reply.Add("all", new MsgMap()).Add("remaining", new MsgMap());
        else if (e.Multi == false) reply.Add("all", 0L).Add("remaining", 0L);
        return reply.Add("status", "error").Add("exception", e.Message).Add("key", null).Add("text", e.Message);
    }
}
