namespace Scheduler.Core.State;

// A big graph's first transitions, carried out a slice at a time between other stimuli.
public sealed partial class SchedulerState
{
    /// <summary>Graphs whose first transitions are not all carried out yet, oldest first.</summary>
    private readonly Queue<GraphTransitions> _graphJobs = new();

    /// <summary>Graphs still being transitioned in slices (diagnostics, tests).</summary>
    public int PendingGraphSlices => _graphJobs.Count;

    /// <summary>
    /// The next slice of the oldest pending graph; asks for another turn while work is left. The host posts
    /// <see cref="ContinueGraph"/> at the back of the actor's queue, so everything that arrived meanwhile (heartbeats,
    /// task-finished, other clients) is handled before the next slice.
    /// </summary>
    private void OnContinueGraph()
    {
        if (_graphJobs.Count == 0) return;
        if (_graphJobs.Peek().Step(this, Config.GraphSlice)) _graphJobs.Dequeue();
        if (_graphJobs.Count > 0) Emit(new ContinueLater());
    }

    /// <summary>
    /// update_graph's last part: recommend every runnable task of the graph <c>waiting</c>, most urgent first, then
    /// report the keys already in memory or erred. Carried out in one go this would hold the scheduler's only thread
    /// for seconds on a million-task graph (each task becomes waiting and then queued, processing or no-worker).
    /// By the time it starts, every task is created, linked and prioritized, which is a consistent state on its own
    /// (released tasks that clients want), so any stimulus may come between two slices: a slice recommends only
    /// tasks that are still released (a task the scheduler forgot meanwhile is <c>forgotten</c>, and only forgetting
    /// removes one), and it takes them most urgent first so that workers joining meanwhile get the urgent ones.
    /// </summary>
    private sealed class GraphTransitions(string client, string stimulusId, TaskState[] byPriorityDescending,
        List<TaskState> blamed, List<TaskState> touched)
    {
        /// <summary>Tasks [0, _left) of <c>byPriorityDescending</c> (least urgent first) are still to be recommended.</summary>
        private int _left = byPriorityDescending.Length;
        private bool _started;

        /// <summary>Carries out up to <paramref name="slice"/> recommendations (all when 0); true once the graph is done.</summary>
        public bool Step(SchedulerState s, int slice)
        {
            int from = slice <= 0 ? 0 : Math.Max(0, _left - slice);
            var recs = new Recommendations(_left - from + (_started ? 0 : blamed.Count));
            // Recommendations are popped last-in first-out: in ascending urgency, so that the most urgent goes first.
            for (int i = from; i < _left; i++)
            {
                var ts = byPriorityDescending[i];
                if (ts.Status == TaskStatus.Released) recs[ts] = TaskStatus.Waiting;
            }
            if (!_started)
            {
                _started = true;
                // The first step runs in the update-graph's own turn: nothing can have forgotten them yet.
                foreach (var ts in blamed) recs[ts] = TaskStatus.Erred;
            }
            _left = from;
            s.Transitions(recs, stimulusId);
            if (_left > 0) return false;

            foreach (var ts in touched)
                if (ts.Status is TaskStatus.Memory or TaskStatus.Erred) s.ReportOnKey(ts, client);
            s.RetryPendingCancels();
            return true;
        }
    }
}
