using BenchmarkDotNet.Running;
using Controller.Benchmarks;

// No arguments runs the whole suite instead of BenchmarkDotNet's interactive menu.
var summaries = BenchmarkSwitcher
    .FromAssembly(typeof(BenchmarkConfig).Assembly)
    .Run(args.Length == 0 ? ["--filter", "*"] : args);

// A failed or invalid case must fail the command, not just print an empty row.
return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
