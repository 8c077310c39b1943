using System.CommandLine;
using Confluent.Kafka.Admin;
using Fjord.Cli.Output;

namespace Fjord.Cli.Commands;

/// <summary>
/// `fjord acls list|add|remove` — kafka-acls.sh over CreateAcls, DescribeAcls and DeleteAcls. A resource is one of
/// --topic, --group or --cluster; --resource-pattern-type picks LITERAL (default), PREFIXED, or for list/remove also ANY
/// and MATCH. Operations and permission use Kafka's names (Read, Write, IdempotentWrite, ...; --deny for DENY).
/// </summary>
public static class AclsCommand
{
    private sealed record ResourceOptions(Option<string?> Topic, Option<string?> Group, Option<bool> Cluster, Option<string> PatternType,
        Option<string?> Principal, Option<string?> Host, Option<string[]> Operations, Option<bool> Deny);

    public static Command Build()
    {
        var acls = new Command("acls", "List, add and remove ACLs (needs an authorizer on the broker)");
        acls.Subcommands.Add(List());
        acls.Subcommands.Add(Add());
        acls.Subcommands.Add(Remove());
        return acls;
    }

    private static ResourceOptions AddResourceOptions(Command command, string defaultPatternType)
    {
        var options = new ResourceOptions(
            new Option<string?>("--topic") { Description = "Topic name (or prefix, or * for all topics)" },
            new Option<string?>("--group") { Description = "Consumer group id (or prefix, or *)" },
            new Option<bool>("--cluster") { Description = "The cluster resource (kafka-cluster)" },
            new Option<string>("--resource-pattern-type") { Description = "literal, prefixed; for list/remove also any, match", DefaultValueFactory = _ => defaultPatternType },
            new Option<string?>("--principal") { Description = "Principal, e.g. User:alice or User:*" },
            new Option<string?>("--host") { Description = "Client host (default * for add, any for list/remove)" },
            new Option<string[]>("--operation") { Description = "Read, Write, Create, Delete, Alter, Describe, ClusterAction, DescribeConfigs, AlterConfigs, IdempotentWrite, All (repeatable)", AllowMultipleArgumentsPerToken = false },
            new Option<bool>("--deny") { Description = "A DENY rule (default ALLOW)" });
        command.Options.Add(options.Topic);
        command.Options.Add(options.Group);
        command.Options.Add(options.Cluster);
        command.Options.Add(options.PatternType);
        command.Options.Add(options.Principal);
        command.Options.Add(options.Host);
        command.Options.Add(options.Operations);
        command.Options.Add(options.Deny);
        return options;
    }

    private static Command List()
    {
        var output = GlobalOptions.Output();
        var command = new Command("list", "List the ACLs matching the given resource/principal (all when none given)") { output };
        var options = AddResourceOptions(command, "any");
        command.SetAction(async (parse, _) =>
        {
            var context = CliContext.From(parse);
            using var admin = context.CreateAdmin();
            var filters = Filters(parse, options);
            var bindings = new List<AclBinding>();
            foreach (var filter in filters)
                bindings.AddRange((await admin.DescribeAclsAsync(filter, context.Request(new DescribeAclsOptions()))).AclBindings);
            var rows = bindings.Select(b => new
            {
                resource_type = b.Pattern.Type.ToString(),
                resource = b.Pattern.Name,
                pattern_type = b.Pattern.ResourcePatternType.ToString(),
                principal = b.Entry.Principal,
                host = b.Entry.Host,
                operation = b.Entry.Operation.ToString(),
                permission = b.Entry.PermissionType.ToString(),
            }).OrderBy(r => r.resource_type, StringComparer.Ordinal).ThenBy(r => r.resource, StringComparer.Ordinal).ThenBy(r => r.principal, StringComparer.Ordinal).ToList();
            if (Printer.IsJson(parse.GetValue(output)))
            {
                Printer.Json(rows);
                return ExitCodes.Ok;
            }

            var table = Printer.Table("RESOURCE-TYPE", "RESOURCE", "PATTERN", "PRINCIPAL", "HOST", "OPERATION", "PERMISSION");
            foreach (var r in rows)
                Printer.AddRow(table, r.resource_type, r.resource, r.pattern_type, r.principal, r.host, r.operation, r.permission);
            Printer.Render(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Add()
    {
        var command = new Command("add", "Add ALLOW (or --deny) rules: --principal, one resource, one or more --operation");
        var options = AddResourceOptions(command, "literal");
        command.SetAction(async (parse, _) =>
        {
            var context = CliContext.From(parse);
            var principal = parse.GetValue(options.Principal) ?? throw CliException.BadArguments("add needs --principal, e.g. User:alice");
            var operations = Operations(parse, options);
            if (operations.Count == 0) throw CliException.BadArguments("add needs at least one --operation");
            var (type, name) = Resource(parse, options) ?? throw CliException.BadArguments("add needs one of --topic, --group, --cluster");
            var patternType = PatternType(parse.GetValue(options.PatternType)!);
            if (patternType is not (ResourcePatternType.Literal or ResourcePatternType.Prefixed))
                throw CliException.BadArguments("add takes --resource-pattern-type literal or prefixed");
            var permission = parse.GetValue(options.Deny) ? AclPermissionType.Deny : AclPermissionType.Allow;
            var bindings = operations.Select(op => new AclBinding
            {
                Pattern = new ResourcePattern { Type = type, Name = name, ResourcePatternType = patternType },
                Entry = new AccessControlEntry { Principal = principal, Host = parse.GetValue(options.Host) ?? "*", Operation = op, PermissionType = permission },
            }).ToList();
            using var admin = context.CreateAdmin();
            await admin.CreateAclsAsync(bindings, context.Request(new CreateAclsOptions()));
            Printer.Info($"added {bindings.Count} ACL(s) for {principal} on {type} '{name}'");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Remove()
    {
        var command = new Command("remove", "Remove every ACL matching the given resource, principal, host, operations");
        var options = AddResourceOptions(command, "literal");
        command.SetAction(async (parse, _) =>
        {
            var context = CliContext.From(parse);
            if (Resource(parse, options) is null && parse.GetValue(options.Principal) is null)
                throw CliException.BadArguments("remove needs a resource (--topic, --group, --cluster) or --principal");
            using var admin = context.CreateAdmin();
            var results = await admin.DeleteAclsAsync(Filters(parse, options), context.Request(new DeleteAclsOptions()));
            Printer.Info($"removed {results.Sum(r => r.AclBindings.Count)} ACL(s)");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static List<AclBindingFilter> Filters(ParseResult parse, ResourceOptions options)
    {
        var resource = Resource(parse, options);
        var operations = Operations(parse, options);
        var permission = parse.GetValue(options.Deny) ? AclPermissionType.Deny : parse.GetValue(options.Operations) is { Length: > 0 } ? AclPermissionType.Allow : AclPermissionType.Any;
        return [.. (operations.Count == 0 ? [AclOperation.Any] : operations).Select(op => new AclBindingFilter
        {
            PatternFilter = new ResourcePatternFilter
            {
                Type = resource?.Type ?? ResourceType.Any,
                Name = resource?.Name,
                ResourcePatternType = PatternType(parse.GetValue(options.PatternType)!),
            },
            EntryFilter = new AccessControlEntryFilter
            {
                Principal = parse.GetValue(options.Principal), Host = parse.GetValue(options.Host), Operation = op, PermissionType = permission,
            },
        })];
    }

    private static (ResourceType Type, string Name)? Resource(ParseResult parse, ResourceOptions options)
    {
        var chosen = new List<(ResourceType, string)>();
        if (parse.GetValue(options.Topic) is { } topic) chosen.Add((ResourceType.Topic, topic));
        if (parse.GetValue(options.Group) is { } group) chosen.Add((ResourceType.Group, group));
        if (parse.GetValue(options.Cluster)) chosen.Add((ResourceType.Broker, "kafka-cluster"));
        return chosen.Count switch
        {
            0 => null,
            1 => chosen[0],
            _ => throw CliException.BadArguments("give only one of --topic, --group, --cluster"),
        };
    }

    private static List<AclOperation> Operations(ParseResult parse, ResourceOptions options) =>
        [.. (parse.GetValue(options.Operations) ?? []).Select(name =>
            Enum.TryParse<AclOperation>(name.Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal), ignoreCase: true, out var op)
                && op is not (AclOperation.Unknown or AclOperation.Any)
                ? op
                : throw CliException.BadArguments($"unknown operation '{name}'"))];

    private static ResourcePatternType PatternType(string name) =>
        Enum.TryParse<ResourcePatternType>(name, ignoreCase: true, out var type) && type != ResourcePatternType.Unknown
            ? type
            : throw CliException.BadArguments($"unknown resource pattern type '{name}' (literal, prefixed, any, match)");
}
