namespace Scheduler.Core.Messages.Outgoing;

/// <summary>An entry of the event log and when it was logged (seconds since the epoch).</summary>
public readonly record struct TimedEvent(double Time, LoggedEvent Event);

/// <summary>A topic's entries, oldest first.</summary>
public readonly record struct TopicLog(string Topic, IReadOnlyList<TimedEvent> Events);

/// <summary>events, for one topic: its entries, oldest first (none for a topic never logged to).</summary>
public sealed record TopicEventsReply(IReadOnlyList<TimedEvent> Events) : RpcReply;

/// <summary>events, for no topic: every topic's entries, topics in the order they were first logged to.</summary>
public sealed record AllEventsReply(IReadOnlyList<TopicLog> Topics) : RpcReply;
