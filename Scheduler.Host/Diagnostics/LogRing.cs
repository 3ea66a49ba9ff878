using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Scheduler.Host.Diagnostics;

/// <summary>
/// The scheduler's recent log records, for the get_logs/logs RPC (Client.get_scheduler_logs), like the deque
/// handler Dask's scheduler keeps (distributed.admin.log-length records). Lines are formatted with Dask's default
/// log format and logger name, so that what a Python user greps for ("distributed.scheduler") is there.
/// </summary>
public sealed class LogRing(int capacity = 10_000) : ILoggerProvider
{
    private readonly Queue<(double Created, string Level, string Line)> _records = new();
    private readonly Lock _gate = new();

    public ILogger CreateLogger(string categoryName) => new RingLogger(this);

    public void Dispose() { }

    private void Add(LogLevel level, string message)
    {
        var now = DateTimeOffset.UtcNow;
        var levelName = LevelName(level);
        // Dask's distributed.admin.log-format: "%(asctime)s - %(name)s - %(levelname)s - %(message)s".
        var line = $"{now.LocalDateTime.ToString("yyyy-MM-dd HH:mm:ss,fff", CultureInfo.InvariantCulture)} - distributed.scheduler - {levelName} - {message}";
        lock (_gate)
        {
            _records.Enqueue((now.ToUnixTimeMilliseconds() / 1000.0, levelName, line));
            while (_records.Count > capacity) _records.Dequeue();
        }
    }

    /// <summary>Dask's Node.get_logs: the oldest records first, from <paramref name="start"/> on, at most <paramref name="n"/>.</summary>
    public object?[] Get(double start, long? n, bool timestamps)
    {
        lock (_gate)
        {
            var result = new List<object?>();
            foreach (var (created, level, line) in _records)
            {
                if ((n is > 0 && result.Count >= n) || created < start) break;
                result.Add(timestamps ? new object?[] { created, level, line } : new object?[] { level, line });
            }
            return [.. result];
        }
    }

    private static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => "DEBUG",
        LogLevel.Information => "INFO",
        LogLevel.Warning => "WARNING",
        LogLevel.Error => "ERROR",
        _ => "CRITICAL",
    };

    private sealed class RingLogger(LogRing ring) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        // Dask's scheduler logger records INFO and above.
        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            var message = formatter(state, exception);
            if (exception != null) message += Environment.NewLine + exception;
            ring.Add(logLevel, message);
        }
    }
}
