using Fjord.Protocol.Errors;

namespace Fjord.Metadata;

/// <summary>IncrementalAlterConfigs operations with Kafka's ids (KIP-339). Immutable value.</summary>
public enum AlterConfigOp : byte
{
    Set = 0,
    Delete = 1,
    Append = 2,
    Subtract = 3,
}

/// <summary>One key to change. Immutable.</summary>
public sealed record AlterableConfig(string Name, AlterConfigOp Op, string? Value);

/// <summary>The changes to one resource (applied all or nothing). Immutable.</summary>
public sealed record AlterConfigsResource(ConfigResource Resource, IReadOnlyList<AlterableConfig> Configs);

/// <summary>The outcome for one resource. Immutable.</summary>
public sealed record AlterConfigsResult(ConfigResource Resource, ErrorCode Error, string? Message);
