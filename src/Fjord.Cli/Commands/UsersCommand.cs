using System.CommandLine;
using System.Security.Cryptography;
using System.Text;
using Confluent.Kafka.Admin;
using Fjord.Cli.Output;

namespace Fjord.Cli.Commands;

/// <summary>
/// `fjord users scram describe|set|delete` — SCRAM credentials over DescribeUserScramCredentials and
/// AlterUserScramCredentials (KIP-554), what kafka-configs.sh --entity-type users does for SCRAM. The password leaves
/// the CLI only salted (the admin client hashes it with a fresh random salt).
/// </summary>
public static class UsersCommand
{
    public static Command Build()
    {
        var scram = new Command("scram", "Describe, set and delete users' SCRAM-SHA-256/512 credentials");
        scram.Subcommands.Add(Describe());
        scram.Subcommands.Add(Set());
        scram.Subcommands.Add(Delete());
        var users = new Command("users", "SASL users stored in the cluster metadata");
        users.Subcommands.Add(scram);
        return users;
    }

    private static Option<string> UserOption() => new("--user") { Description = "User name (principal User:<name>)", Required = true };

    private static Option<string> MechanismOption() => new("--mechanism") { Description = "SCRAM-SHA-256 or SCRAM-SHA-512", Required = true };

    private static Command Describe()
    {
        var output = GlobalOptions.Output();
        var users = new Option<string[]>("--user") { Description = "User to describe (repeatable; default: every user with a credential)", AllowMultipleArgumentsPerToken = false };
        var command = new Command("describe", "List users' SCRAM mechanisms and iteration counts") { output, users };
        command.Aliases.Add("list");
        command.SetAction(async (parse, _) =>
        {
            var context = CliContext.From(parse);
            using var admin = context.CreateAdmin();
            var named = parse.GetValue(users) ?? [];
            var result = await admin.DescribeUserScramCredentialsAsync(named, context.Request(new DescribeUserScramCredentialsOptions()));
            var rows = result.UserScramCredentialsDescriptions
                .SelectMany(d => d.ScramCredentialInfos.Select(i => new { user = d.User, mechanism = MechanismName(i.Mechanism), iterations = i.Iterations }))
                .OrderBy(r => r.user, StringComparer.Ordinal).ThenBy(r => r.mechanism, StringComparer.Ordinal).ToList();
            if (Printer.IsJson(parse.GetValue(output)))
            {
                Printer.Json(rows);
                return ExitCodes.Ok;
            }

            var table = Printer.Table("USER", "MECHANISM", "ITERATIONS");
            foreach (var r in rows) Printer.AddRow(table, r.user, r.mechanism, r.iterations);
            Printer.Render(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Set()
    {
        var user = UserOption();
        var mechanism = MechanismOption();
        var password = new Option<string>("--password") { Description = "The user's password", Required = true };
        var iterations = new Option<int>("--iterations") { Description = "PBKDF2 iterations, 4096..16384", DefaultValueFactory = _ => 4096 };
        var command = new Command("set", "Create or replace a user's SCRAM credential for one mechanism") { user, mechanism, password, iterations };
        command.SetAction(async (parse, _) =>
        {
            var context = CliContext.From(parse);
            var upsertion = new UserScramCredentialUpsertion
            {
                User = parse.GetValue(user)!,
                ScramCredentialInfo = new ScramCredentialInfo { Mechanism = Mechanism(parse.GetValue(mechanism)!), Iterations = parse.GetValue(iterations) },
                Password = Encoding.UTF8.GetBytes(parse.GetValue(password)!),
                Salt = RandomNumberGenerator.GetBytes(32),
            };
            using var admin = context.CreateAdmin();
            await admin.AlterUserScramCredentialsAsync([upsertion], context.Request(new AlterUserScramCredentialsOptions()));
            Printer.Info($"set {MechanismName(upsertion.ScramCredentialInfo.Mechanism)} credential of user '{upsertion.User}'");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Delete()
    {
        var user = UserOption();
        var mechanism = MechanismOption();
        var command = new Command("delete", "Delete a user's SCRAM credential for one mechanism") { user, mechanism };
        command.SetAction(async (parse, _) =>
        {
            var context = CliContext.From(parse);
            var deletion = new UserScramCredentialDeletion { User = parse.GetValue(user)!, Mechanism = Mechanism(parse.GetValue(mechanism)!) };
            using var admin = context.CreateAdmin();
            await admin.AlterUserScramCredentialsAsync([deletion], context.Request(new AlterUserScramCredentialsOptions()));
            Printer.Info($"deleted {MechanismName(deletion.Mechanism)} credential of user '{deletion.User}'");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static ScramMechanism Mechanism(string name) => name.ToUpperInvariant() switch
    {
        "SCRAM-SHA-256" => ScramMechanism.ScramSha256,
        "SCRAM-SHA-512" => ScramMechanism.ScramSha512,
        _ => throw CliException.BadArguments($"unknown mechanism '{name}' (SCRAM-SHA-256, SCRAM-SHA-512)"),
    };

    private static string MechanismName(ScramMechanism mechanism) => mechanism switch
    {
        ScramMechanism.ScramSha256 => "SCRAM-SHA-256",
        ScramMechanism.ScramSha512 => "SCRAM-SHA-512",
        _ => mechanism.ToString(),
    };
}
