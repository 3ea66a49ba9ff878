using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Scheduler.Host.Persistence;

/// <summary>
/// synchronous=NORMAL on every connection: in WAL mode a commit then survives a crash or SIGKILL of the process
/// (only a power loss can take the last commits), without an fsync per batch competing with the scheduler for
/// the machine.
/// </summary>
public sealed class SqlitePragmas : DbConnectionInterceptor
{
    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Apply(connection);
        return Task.CompletedTask;
    }

    private static void Apply(DbConnection connection)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "PRAGMA synchronous=NORMAL;";
        cmd.ExecuteNonQuery();
    }
}
