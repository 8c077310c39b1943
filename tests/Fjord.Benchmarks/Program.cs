using BenchmarkDotNet.Running;

// dotnet run -c Release --project tests/Fjord.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Fjord.Benchmarks.ProtocolCodecBenchmarks).Assembly).Run(args);
