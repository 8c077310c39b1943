namespace Fjord.Metadata;

/// <summary>
/// Checks a config key and value before the controller writes it. The broker implements it over its
/// config definition tables (Fjord.Metadata cannot see them: dependencies point one way); the default,
/// <see cref="BasicConfigValidator"/>, checks only the keys the controller itself reads.
/// Implementations must be thread-safe (stateless).
/// </summary>
public interface IConfigValidator
{
    /// <summary>Null when valid, otherwise a message for an <c>INVALID_CONFIG</c> error.</summary>
    string? Validate(ConfigResource resource, string name, string? value);

    /// <summary>
    /// Checks the configs a resource would hold after a change, taken together (a group's heartbeat interval must stay
    /// below its session timeout whichever of the two changes); null when valid, otherwise an <c>INVALID_CONFIG</c>
    /// message. Only called when every key passed <see cref="Validate"/>.
    /// </summary>
    string? ValidateResource(ConfigResource resource, IReadOnlyDictionary<string, string> configs) => null;
}
