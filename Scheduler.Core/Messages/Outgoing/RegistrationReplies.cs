using Scheduler.Core.Protocol;

namespace Scheduler.Core.Messages.Outgoing;

/// <summary>The worker is registered: its stream starts. <see cref="Time"/> is the scheduler's clock (seconds since the
/// epoch); <see cref="HeartbeatInterval"/> is in seconds; <see cref="WorkerPlugins"/> are the plugins registered so far,
/// name to pickle.</summary>
public sealed record WorkerAccepted(double Time, double HeartbeatInterval, MsgMap WorkerPlugins) : RegistrationReply;

/// <summary>The worker is refused, for this reason; the connection closes after the reply.</summary>
public sealed record WorkerRefused(string Message, double Time) : RegistrationReply;
