using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Scheduler.Micro -- --filter '*'   (BenchmarkDotNet's own arguments)
BenchmarkSwitcher.FromAssembly(typeof(Scheduler.Micro.CodecBenchmarks).Assembly).Run(args);
