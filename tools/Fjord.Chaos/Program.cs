using Fjord.Chaos;
using Microsoft.Extensions.Logging;

// fjord-chaos: the fault harness behind `make chaos` (docs/chaos.md). The last line is the verdict;
// the exit code is 0 only when nothing acknowledged was lost, duplicated or reordered and no replica diverged.
if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(ChaosOptions.Usage);
    return 0;
}

ChaosOptions options;
try
{
    options = ChaosOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(ChaosOptions.Usage);
    return 2;
}

ChaosReport? report = null;
using (var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o =>
{
    o.SingleLine = true;
    o.TimestampFormat = "HH:mm:ss ";
    o.UseUtcTimestamp = true;
})))
{
    using var runner = new ChaosRunner(options, loggers);
    using var cancel = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) =>
    {
        // Stop the run, then let the finally below remove processes and namespaces.
        e.Cancel = true;
        cancel.Cancel();
    };
    AppDomain.CurrentDomain.ProcessExit += (_, _) => runner.Dispose();
    try
    {
        report = await runner.RunAsync(cancel.Token);
    }
    catch (Exception e) when (e is OperationCanceledException or TimeoutException or InvalidOperationException or IOException)
    {
        Console.Error.WriteLine($"chaos run did not complete (seed {options.Seed}): {e}");
    }
    finally
    {
        try
        {
            runner.Dispose();
        }
        catch (Exception e) when (e is InvalidOperationException or IOException)
        {
            // A failed clean-up must not swallow the verdict; what is left behind is removed by the next run.
            Console.Error.WriteLine($"clean-up after the run failed: {e.Message}");
        }
    }
}

if (report is null)
{
    Console.WriteLine($"chaos run incomplete (seed {options.Seed}): no verdict");
    return 2;
}
Console.Write(report.Details());
Console.WriteLine($"seed={options.Seed} {report.DetailLine}");
Console.WriteLine(report.FinalLine);
return report.ExitCode;
