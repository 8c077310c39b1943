using System.CommandLine;
using Fjord.Bench;
using Fjord.Cli;

// A tool of the repository, not of the `fjord` CLI: it alone needs the Redis and NATS clients of the peers it measures.
// Exit codes as fjord's: 0 ok, 1 a run failed, 2 bad arguments, 3 a server unreachable.
var root = new RootCommand("fjord-bench — Fjord against Redis Streams, NATS JetStream and the physical limits, side by side (make bench)");
root.Subcommands.Add(BenchCommand.Build());

var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    foreach (var error in parse.Errors)
    {
        Console.Error.WriteLine($"fjord-bench: {error.Message}");
    }

    return ExitCodes.BadArguments;
}

try
{
    return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e)
{
    var error = ErrorMapping.From(e is AggregateException { InnerExceptions.Count: 1 } a ? a.InnerException! : e);
    Console.Error.WriteLine($"fjord-bench: error: {error.Message}");
    return error.ExitCode;
}
