using System.Globalization;
using Fjord.Metadata.Records;
using Fjord.Protocol.Errors;

namespace Fjord.Metadata;

// IncrementalAlterConfigs (KIP-339): SET, DELETE, APPEND and SUBTRACT per key, all-or-nothing per resource.
public sealed partial class QuorumController
{
    /// <summary>Changes topic, broker, client metrics and group configs; each resource succeeds or fails as a whole.</summary>
    public ControllerResult<IReadOnlyList<AlterConfigsResult>> IncrementalAlterConfigs(IReadOnlyList<AlterConfigsResource> resources, bool validateOnly = false)
    {
        EnsureActive();
        var builder = new ControllerRecordBuilder(Image);
        var results = new List<AlterConfigsResult>();
        foreach (var resource in resources)
        {
            var (error, message, records) = AlterConfigs(builder.Image, resource);
            if (error == ErrorCode.None && !validateOnly)
                foreach (var r in records) builder.Add(r);
            results.Add(new AlterConfigsResult(resource.Resource, error, message));
        }
        return builder.Result<IReadOnlyList<AlterConfigsResult>>(results);
    }

    private (ErrorCode, string?, List<MetadataRecord>) AlterConfigs(MetadataImage image, AlterConfigsResource request)
    {
        var resource = request.Resource;
        var records = new List<MetadataRecord>();
        switch (resource.Type)
        {
            case ConfigResourceType.ConfigResourceTopic:
                if (!image.TopicIdsByName.ContainsKey(resource.Name))
                    return (ErrorCode.UnknownTopicOrPartition, $"Topic {resource.Name} does not exist.", records);
                break;
            case ConfigResourceType.ConfigResourceBroker:
                if (resource.Name.Length > 0 && !int.TryParse(resource.Name, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                    return (ErrorCode.InvalidRequest, $"Broker resource name must be empty or a broker id, not '{resource.Name}'.", records);
                break;
            case ConfigResourceType.ConfigResourceClientMetrics:
                if (resource.Name.Length == 0)
                    return (ErrorCode.InvalidRequest, "A client metrics subscription needs a name.", records);
                break;
            case ConfigResourceType.ConfigResourceGroup:
                // Kafka keeps configs for groups that do not exist (yet): they apply once the group forms.
                if (resource.Name.Length == 0)
                    return (ErrorCode.InvalidRequest, "Group name must not be empty.", records);
                break;
            default:
                return (ErrorCode.InvalidRequest, $"Unsupported resource type {resource.Type}.", records);
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var after = image.Configs.TryGetValue(resource, out var existing)
            ? new Dictionary<string, string>(existing, StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var c in request.Configs)
        {
            if (!seen.Add(c.Name)) return (ErrorCode.InvalidRequest, $"Config {c.Name} appears more than once.", records);
            var current = image.GetConfig(resource, c.Name);
            string? value;
            switch (c.Op)
            {
                case AlterConfigOp.Set:
                    if (c.Value is null) return (ErrorCode.InvalidRequest, $"SET of {c.Name} needs a value.", records);
                    value = c.Value;
                    break;
                case AlterConfigOp.Delete:
                    value = null;
                    break;
                case AlterConfigOp.Append:
                case AlterConfigOp.Subtract:
                    var items = (current ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
                    var operands = (c.Value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    if (c.Op == AlterConfigOp.Append) items.AddRange(operands.Where(o => !items.Contains(o)));
                    else items.RemoveAll(operands.Contains);
                    value = items.Count == 0 ? null : string.Join(",", items);
                    break;
                default:
                    return (ErrorCode.InvalidRequest, $"Unknown operation {(int)c.Op}.", records);
            }
            if (_configValidator.Validate(resource, c.Name, value) is { } invalid) return (ErrorCode.InvalidConfig, invalid, records);
            if (value is null) after.Remove(c.Name);
            else after[c.Name] = value;
            if (value == current) continue;
            var record = new ConfigRecord { ResourceType = resource.Type, ResourceName = resource.Name, Name = c.Name };
            if (value is not null) record.Value = value;
            records.Add(new MetadataRecord { Config = record });
        }
        if (_configValidator.ValidateResource(resource, after) is { } inconsistent) return (ErrorCode.InvalidConfig, inconsistent, records);
        return (ErrorCode.None, null, records);
    }
}
