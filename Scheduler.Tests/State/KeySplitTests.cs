using System.Text.Json;
using Scheduler.Core.State;
using Scheduler.Tests.Support;

namespace Scheduler.Tests.State;

/// <summary>
/// key_split and key_split_group against Debian's dask and distributed themselves: every task's prefix and group
/// (the dashboard's rows, the task groups) comes from these.
/// </summary>
public class KeySplitTests
{
    private static readonly string[] Keys =
    [
        "inc-6f28c211-c83a-4ab7-a905-b62a531710e7", "add-1d3aae99a075", "x", "x-1", "x-y-z-1", "hello-world-1",
        "random_sample-fa4c7f4e6a6a4e2d8a0c7b2d3e4f5a6b", "('random_sample-fa4c7f4e6a6a4e2d8a0c7b2d3e4f5a6b', 0, 1)",
        "('x', 0)", "(\"x-y\", 1)", "('x'", "_(x)_-abc", "'quoted'-word", "0-x", "1", "-", "--", "a--b", "-a",
        "a-", "a-b-", "f8a9e0c1-x", "mean_chunk-deadbeef", "mean-chunk-deadbeef", "mean-chunk-abcdefgh-x",
        "mean-chunk-Abcdefgh", "sum-aggregate-12345678", "0123456789abcdef0123456789abcdef",
        "0123456789abcdef0123456789abcdef-x", "0123456789ABCDEF0123456789ABCDEF", "<lambda>-1234", "<function f at 0x1>",
        "<built-in function len>-x", "lambda-x", "finalize-hello", "élan-vital-1", "a1-b", "a-b1", "x,y-z", "(,)-a",
        "getitem-b2d5cb0a", "getitem-g2d5cb0a", "data",
    ];

    [Fact]
    public void Key_split_and_group_match_dask()
    {
        var script = Path.Combine(Path.GetTempPath(), $"key-split-{Guid.NewGuid():N}.py");
        File.WriteAllText(script, """
            import json, sys
            from dask.utils import key_split
            from distributed.utils import key_split_group
            for line in sys.stdin:
                k = json.loads(line)
                print(json.dumps([key_split(k), key_split_group(k)]))
            """);
        try
        {
            var output = Python.Run(script, stdin: string.Join('\n', Keys.Select(k => JsonSerializer.Serialize(k))) + "\n")
                .Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(Keys.Length, output.Length);
            for (int i = 0; i < Keys.Length; i++)
            {
                var expected = JsonSerializer.Deserialize<string[]>(output[i])!;
                Assert.True(expected[0] == TaskKeys.KeySplit(Keys[i]), $"key_split({Keys[i]}): dask says {expected[0]}, we say {TaskKeys.KeySplit(Keys[i])}");
                Assert.True(expected[1] == TaskKeys.KeySplitGroup(Keys[i]), $"key_split_group({Keys[i]}): distributed says {expected[1]}, we say {TaskKeys.KeySplitGroup(Keys[i])}");
            }
        }
        finally
        {
            File.Delete(script);
        }
    }
}
