using Microsoft.EntityFrameworkCore;

namespace Scheduler.Host.Persistence;

/// <summary>The task history kept in SQLite: computations, their tasks' ends, workers joining and leaving.</summary>
public sealed class HistoryDb(DbContextOptions<HistoryDb> options) : DbContext(options)
{
    public DbSet<ComputationRecord> Computations => Set<ComputationRecord>();
    public DbSet<TaskRecord> Tasks => Set<TaskRecord>();
    public DbSet<WorkerEventRecord> WorkerEvents => Set<WorkerEventRecord>();

    protected override void OnModelCreating(ModelBuilder b)
    {
        b.Entity<ComputationRecord>(e =>
        {
            e.ToTable("Computations");
            e.Property(c => c.SchedulerId).HasMaxLength(80);
            e.Property(c => c.Client).HasMaxLength(200);
            e.Property(c => c.Outcome).HasMaxLength(20);
            e.HasIndex(c => c.SubmittedAt);
            e.HasIndex(c => new { c.SchedulerId, c.Number });
            e.HasMany(c => c.Tasks).WithOne(t => t.Computation).HasForeignKey(t => t.ComputationId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<TaskRecord>(e =>
        {
            e.ToTable("Tasks");
            e.Property(t => t.State).HasMaxLength(20);
            // One index only: every task end is a row, and each index costs each insert. Searches by key are
            // substring matches (no index helps); listings go by computation, in insertion (id) order.
            e.HasIndex(t => t.ComputationId);
        });
        b.Entity<WorkerEventRecord>(e =>
        {
            e.ToTable("WorkerEvents");
            e.Property(w => w.Kind).HasMaxLength(10);
            e.HasIndex(w => w.At);
        });
    }
}
