using System.CommandLine;
using System.Globalization;
using Fjord.Cli.Output;
using Fjord.Protocol.Messages;

namespace Fjord.Cli.Commands;

/// <summary>
/// `fjord features [describe] | upgrade | downgrade` (KIP-584, what `kafka-features` does): the features the broker
/// supports with their level ranges and the levels the cluster finalized (ApiVersions v3+), and UpdateFeatures to
/// change one, e.g. <c>group.version</c>, which switches the KIP-848 consumer protocol on (1) and off (0).
/// </summary>
public static class FeaturesCommand
{
    public static Command Build()
    {
        var features = new Command("features", "Supported and finalized feature levels (metadata.version, group.version, ...); upgrade or downgrade one");
        var describe = Describe();
        features.Subcommands.Add(describe);
        features.Subcommands.Add(Update("upgrade", "Finalize a feature at a higher level", downgrade: false));
        features.Subcommands.Add(Update("downgrade", "Finalize a feature at a lower level (a safe downgrade; 0 removes it)", downgrade: true));

        // `fjord features` alone describes, as `kafka-features describe` would.
        var output = GlobalOptions.Output();
        features.Options.Add(output);
        features.SetAction(async (parse, _) => await DescribeAsync(CliContext.From(parse), Printer.IsJson(parse.GetValue(output))));
        return features;
    }

    private static Command Describe()
    {
        var output = GlobalOptions.Output();
        var command = new Command("describe", "Every feature with its supported range and finalized level") { output };
        command.SetAction(async (parse, _) => await DescribeAsync(CliContext.From(parse), Printer.IsJson(parse.GetValue(output))));
        return command;
    }

    private static async Task<int> DescribeAsync(CliContext context, bool json)
    {
        using var client = await KafkaRequestClient.ConnectAsync(context);
        var response = await client.SendAsync<ApiVersionsResponse>(new ApiVersionsRequest { ClientSoftwareName = "fjord-cli", ClientSoftwareVersion = "1" }, "ApiVersions");
        ClusterCommand.FailOnError(response.ErrorCode, null);
        var finalized = response.FinalizedFeatures.ToDictionary(f => f.Name, f => f.MaxVersionLevel, StringComparer.Ordinal);
        var rows = response.SupportedFeatures.OrderBy(f => f.Name, StringComparer.Ordinal)
            .Select(f => new { feature = f.Name, supported_min = f.MinVersion, supported_max = f.MaxVersion, finalized = finalized.GetValueOrDefault(f.Name) })
            .ToList();
        if (json)
        {
            Printer.Json(new { epoch = response.FinalizedFeaturesEpoch, features = rows });
            return ExitCodes.Ok;
        }

        var table = Printer.Table("FEATURE", "SUPPORTED", "FINALIZED");
        foreach (var row in rows)
        {
            Printer.AddRow(table, row.feature, $"{row.supported_min}-{row.supported_max}", row.finalized);
        }

        Printer.Render(table);
        return ExitCodes.Ok;
    }

    private static Command Update(string name, string description, bool downgrade)
    {
        var feature = new Option<string>("--feature") { Description = "NAME=LEVEL, e.g. group.version=1", Required = true };
        var dryRun = new Option<bool>("--dry-run") { Description = "Validate only" };
        var command = new Command(name, description) { feature, dryRun };
        command.SetAction(async (parse, _) =>
        {
            var context = CliContext.From(parse);
            var text = parse.GetValue(feature)!;
            var separator = text.IndexOf('=', StringComparison.Ordinal);
            if (separator <= 0 || !short.TryParse(text[(separator + 1)..], NumberStyles.Integer, CultureInfo.InvariantCulture, out var level) || level < 0)
            {
                throw CliException.BadArguments($"--feature '{text}' is not NAME=LEVEL with a level of 0 or more");
            }

            var request = new UpdateFeaturesRequest { timeoutMs = (int)context.Timeout.TotalMilliseconds, ValidateOnly = parse.GetValue(dryRun) };
            request.FeatureUpdates.Add(new UpdateFeaturesRequest.FeatureUpdateKey
            {
                Feature = text[..separator],
                MaxVersionLevel = level,
                AllowDowngrade = downgrade,

                // Kafka's upgrade types: 1 upgrade, 2 safe downgrade.
                UpgradeType = downgrade ? (sbyte)2 : (sbyte)1,
            });
            using var client = await KafkaRequestClient.ConnectAsync(context);
            var response = await client.SendAsync<UpdateFeaturesResponse>(request, "UpdateFeatures");
            ClusterCommand.FailOnError(response.ErrorCode, response.ErrorMessage);
            foreach (var result in response.Results)
            {
                ClusterCommand.FailOnError(result.ErrorCode, result.ErrorMessage, $"{result.Feature}: ");
            }

            Printer.Line($"{text[..separator]} {(parse.GetValue(dryRun) ? "can be" : "is")} finalized at level {level}.");
            return ExitCodes.Ok;
        });
        return command;
    }
}
