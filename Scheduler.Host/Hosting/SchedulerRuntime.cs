using Scheduler.Core.Config;
using Scheduler.Core.Protocol;
using Scheduler.Core.State;

namespace Scheduler.Host.Hosting;

/// <summary>Process-wide scheduler settings and identity, shared by the transport and the core.</summary>
public sealed class SchedulerRuntime(SchedulerConfig config, SchedulerIdentity identity)
{
    public SchedulerConfig Config { get; } = config;
    public SchedulerIdentity Identity { get; } = identity;
    public FrameLimits FrameLimits { get; } = FrameLimits.Default;
}
