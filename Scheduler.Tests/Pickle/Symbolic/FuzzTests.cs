using System.Diagnostics;
using Scheduler.Core.Graph;
using Scheduler.Core.Graph.Dask2024;
using Scheduler.Core.Pickle.Symbolic;
using Scheduler.Tests.Graph.Dask2024;

namespace Scheduler.Tests.Pickle.Symbolic;

/// <summary>
/// Mutated captured pickles (seeded, so reproducible): every outcome is a read or a refusal, never another
/// exception, a hang or a stack overflow.
/// </summary>
public class FuzzTests
{
    private const int Mutations = 20_000;
    private static readonly byte[] Opcodes = "()0125NIJKLMFGSTUVXBCabcdeghijlopqrstu}]"u8.ToArray()
        .Concat(Enumerable.Range(0x80, 0x1a).Select(i => (byte)i)).ToArray();

    [Fact]
    public void Mutated_pickles_are_read_or_refused()
    {
        var rng = new Random(20241201);
        var sources = Dask2024Captures.AllPickles().ToList();
        var buffers = Dask2024Captures.GraphNames().ToDictionary(n => n, n => Dask2024Captures.Graph(n).Buffers);
        var bounds = new PickleBounds(MaxBytes: 1 << 20, MaxNodes: 200_000, MaxDepth: 500);
        var emitter = new SymbolicEmitter(bounds);
        int read = 0, refused = 0, unsupported = 0;
        var failures = new List<string>();
        var total = Stopwatch.StartNew();
        for (int i = 0; i < Mutations; i++)
        {
            var (name, original) = sources[rng.Next(sources.Count)];
            var p = Mutate(rng, original);
            var sw = Stopwatch.StartNew();
            try
            {
                var root = SymbolicReader.Read(p, bounds);
                emitter.Emit(root);
                if (buffers.TryGetValue(name, out var bufs)) Graph2024Reader.Read(root, bufs, bounds, skipUnsupported: i % 2 == 0);
                read++;
            }
            catch (PickleRefusedException)
            {
                refused++;
            }
            catch (UnsupportedLayerException)
            {
                unsupported++;
            }
            catch (Exception e)
            {
                if (failures.Count < 10) failures.Add($"#{i} {name}: {e.GetType().Name}: {e.Message}\n{Convert.ToHexString(p)}");
            }
            if (sw.Elapsed > TimeSpan.FromSeconds(2)) failures.Add($"#{i} {name}: took {sw.Elapsed}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(read > 100 && refused > 100, $"read {read}, refused {refused}, unsupported {unsupported}");
        Assert.True(total.Elapsed < TimeSpan.FromMinutes(2), total.Elapsed.ToString());
    }

    private static byte[] Mutate(Random rng, byte[] original)
    {
        var p = new List<byte>(original);
        int edits = 1 + rng.Next(3);
        for (int e = 0; e < edits && p.Count > 2; e++)
        {
            int at = rng.Next(p.Count);
            switch (rng.Next(5))
            {
                case 0: p[at] ^= (byte)(1 << rng.Next(8)); break;
                case 1: p.Insert(at, (byte)rng.Next(256)); break;
                case 2: p.RemoveRange(at, Math.Min(p.Count - at, 1 + rng.Next(8))); break;
                case 3: p.RemoveRange(at, p.Count - at); break;
                default: p[at] = Opcodes[rng.Next(Opcodes.Length)]; break;
            }
        }
        return [.. p];
    }
}
