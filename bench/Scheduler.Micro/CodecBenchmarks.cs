using System.Buffers;
using BenchmarkDotNet.Attributes;
using Scheduler.Core.Protocol;
using Scheduler.Perf.Workers;

namespace Scheduler.Micro;

/// <summary>
/// The codec on the messages that dominate a run: a worker's batch of task-finished (decode) and the
/// scheduler's batch of compute-task (encode), 100 per batch; and the framing of a buffer of such messages.
/// </summary>
[MemoryDiagnoser]
public class CodecBenchmarks
{
    private const int PerBatch = 100;
    private byte[][] _finishedFrames = [];
    private object?[] _computeBatch = [];
    private ReadOnlySequence<byte> _wire;
    private byte[][] _heartbeatFrames = [];

    [GlobalSetup]
    public void Setup()
    {
        var finished = Enumerable.Range(0, PerBatch)
            .Select(i => (object?)WorkerMessages.TaskFinished($"('inc', {i})", 12345, 1.7e9)).ToArray();
        _finishedFrames = [.. MsgEncoder.EncodeFrames(finished)];
        _heartbeatFrames = [.. MsgEncoder.EncodeFrames(WorkerMessages.Heartbeat("tcp://127.0.0.1:40000", 0))];
        var function = new byte[482];
        _computeBatch = Enumerable.Range(0, PerBatch).Select(i => (object?)new MsgMap()
            .Add("op", "compute-task").Add("key", $"('inc', {i})").Add("priority", new object?[] { 0L, 1L, (long)i })
            .Add("duration", 0.5).Add("stimulus_id", "compute-task-1.7e9")
            .Add("who_has", new MsgMap().Add($"('dep', {i})", new object?[] { "tcp://127.0.0.1:40000" }))
            .Add("nbytes", new MsgMap().Add($"('dep', {i})", 28L))
            .Add("run_spec", null).Add("function", function).Add("args", new byte[16]).Add("kwargs", null)
            .Add("resource_restrictions", new MsgMap()).Add("actor", false).Add("annotations", new MsgMap())).ToArray();
        _wire = new ReadOnlySequence<byte>(Enumerable.Range(0, PerBatch)
            .SelectMany(_ => FrameWriter.ToBytes(_finishedFrames.Take(1).ToList())).ToArray());
    }

    [Benchmark(Description = "decode a batch of 100 task-finished")]
    public object? DecodeTaskFinished() => MsgDecoder.Decode(_finishedFrames);

    // What 1,000 idle workers send 167 times a second between them (see docs/performance.md, idle workers).
    [Benchmark(Description = "decode one heartbeat_worker")]
    public object? DecodeHeartbeat() => MsgDecoder.Decode(_heartbeatFrames);

    [Benchmark(Description = "encode a batch of 100 compute-task")]
    public List<byte[]> EncodeComputeTask() => MsgEncoder.EncodeFrames(_computeBatch);

    [Benchmark(Description = "frame 100 batches of 100 task-finished out of one buffer")]
    public int ReadFrames()
    {
        var reader = new FrameReader();
        var buffer = _wire;
        int n = 0;
        while (reader.TryRead(ref buffer, out _)) n++;
        return n;
    }
}
