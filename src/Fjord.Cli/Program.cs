using System.CommandLine;
using Fjord.Cli;
using Fjord.Cli.Commands;
using Fjord.Cli.Perf;

// Exit codes: 0 ok, 1 the broker refused or failed the request, 2 bad arguments, 3 broker unreachable.
var root = new RootCommand("fjord — the command line for Fjord (and any Kafka-compatible broker)")
{
    GlobalOptions.BootstrapServer,
    GlobalOptions.Timeout,
    GlobalOptions.ClientConfig,
};
root.Subcommands.Add(TopicsCommand.Build());
root.Subcommands.Add(ProduceCommand.Build());
root.Subcommands.Add(ConsumeCommand.Build());
root.Subcommands.Add(GroupsCommand.Build());
root.Subcommands.Add(AclsCommand.Build());
root.Subcommands.Add(UsersCommand.Build());
root.Subcommands.Add(ClusterCommand.Build());
root.Subcommands.Add(FeaturesCommand.Build());
root.Subcommands.Add(ClientMetricsCommand.Build());
root.Subcommands.Add(TransactionsCommand.Build());
root.Subcommands.Add(PerfCommand.Build());

var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    foreach (var error in parse.Errors)
    {
        Console.Error.WriteLine($"fjord: {error.Message}");
    }

    Console.Error.WriteLine("Run 'fjord --help' (or '<command> --help') for usage.");
    return ExitCodes.BadArguments;
}

try
{
    return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e)
{
    var error = ErrorMapping.From(e is AggregateException { InnerExceptions.Count: 1 } a ? a.InnerException! : e);
    Console.Error.WriteLine($"fjord: error: {error.Message}");
    return error.ExitCode;
}
