using Fjord.Cli;
using System.CommandLine;

namespace Fjord.Bench;

/// <summary>`fjord-bench run` — the side-by-side benchmark driver behind `make bench`.</summary>
public static class BenchCommand
{
    public static Command Build()
    {
        var brokerDll = new Option<string>("--broker-dll") { Description = "The Release fjord-broker.dll to start", Required = true };
        var output = new Option<string>("--out") { Description = "Markdown file to write", DefaultValueFactory = _ => "docs/benchmarks.md" };
        var dataRoot = new Option<string>("--data-root") { Description = "Where servers keep their data", DefaultValueFactory = _ => Path.GetTempPath() };
        var seconds = new Option<double>("--seconds") { Description = "Length of each producer run", DefaultValueFactory = _ => 5 };
        var quick = new Option<bool>("--quick") { Description = "Shorter runs and no 2 GB backlog (labelled as such in the report)" };
        var noPeers = new Option<bool>("--no-peers") { Description = "Only physical limits and Fjord" };
        var run = new Command("run", "Run every benchmark and write the report") { brokerDll, output, dataRoot, seconds, quick, noPeers };
        run.SetAction(async (parse, _) =>
        {
            var settings = new BenchSettings(
                Path.GetFullPath(parse.GetValue(brokerDll)!), parse.GetValue(output)!, parse.GetValue(dataRoot)!,
                parse.GetValue(quick) ? Math.Min(parse.GetValue(seconds), 3) : parse.GetValue(seconds), parse.GetValue(quick), !parse.GetValue(noPeers),
                "fjord-bench run " + string.Join(' ', Environment.GetCommandLineArgs().Skip(2)));
            if (!File.Exists(settings.BrokerDll))
            {
                throw CliException.BadArguments($"--broker-dll '{settings.BrokerDll}' does not exist (build Release first)");
            }

            return await new BenchRunner(settings).RunAsync();
        });
        return run;
    }
}
