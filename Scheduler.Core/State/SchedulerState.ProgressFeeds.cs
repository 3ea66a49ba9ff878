using Scheduler.Core.Diagnostics;

namespace Scheduler.Core.State;

// Progress bars' feeds (Scheduler.feed running a Progress plugin in Python): each open feed comm has a
// ProgressTracker; the host polls it at the feed's interval and writes the reply on that comm.
public sealed partial class SchedulerState
{
    private readonly Dictionary<long, ProgressTracker> _progressFeeds = [];
    /// <summary>Trackers still counting: the only ones a transition has to tell.</summary>
    private readonly List<ProgressTracker> _liveProgress = [];

    /// <summary>Open progress feeds (for diagnostics and tests).</summary>
    public int ProgressFeedCount => _progressFeeds.Count;

    private void OnProgressFeedPoll(ProgressFeedPoll p)
    {
        if (!_progressFeeds.TryGetValue(p.FeedId, out var tracker))
        {
            if (p.Spec == null) { Emit(new Reply(p.ReplyId, null)); return; }
            tracker = new ProgressTracker(p.Spec);
            _progressFeeds[p.FeedId] = tracker;
        }
        if (!tracker.IsSetUp)
        {
            // Like Progress.setup, wait until every watched key is a task: no reply until then.
            if (!tracker.TrySetUp(Tasks)) { Emit(new Reply(p.ReplyId, null)); return; }
            if (tracker.Status == null) _liveProgress.Add(tracker);
        }
        Emit(new Reply(p.ReplyId, tracker.Reply()));
    }

    private void OnProgressFeedClosed(ProgressFeedClosed c)
    {
        if (_progressFeeds.Remove(c.FeedId, out var tracker)) _liveProgress.Remove(tracker);
    }

    /// <summary>Tells the running progress trackers about one transition (the plugin hook of Python's scheduler).</summary>
    private void NotifyProgress(TaskState ts, TaskStatus start)
    {
        for (int i = _liveProgress.Count - 1; i >= 0; i--)
            if (!_liveProgress[i].OnTransition(ts, start, ts.Status)) _liveProgress.RemoveAt(i);
    }
}
