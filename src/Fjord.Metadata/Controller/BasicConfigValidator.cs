using System.Globalization;

namespace Fjord.Metadata;

/// <summary>
/// The fallback <see cref="IConfigValidator"/>: accepts any key, but the ones the controller acts on must
/// parse (<c>unclean.leader.election.enable</c> a boolean, <c>min.insync.replicas</c> a positive int).
/// Stateless; safe on any thread.
/// </summary>
public sealed class BasicConfigValidator : IConfigValidator
{
    /// <summary>The shared instance.</summary>
    public static readonly BasicConfigValidator Instance = new();

    /// <inheritdoc/>
    public string? Validate(ConfigResource resource, string name, string? value)
    {
        if (string.IsNullOrEmpty(name)) return "config name is empty";
        if (value is null) return null;
        return name switch
        {
            ConfigNames.UncleanLeaderElectionEnable when !bool.TryParse(value, out _) => $"{name} must be true or false",
            ConfigNames.MinInsyncReplicas when !int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1
                => $"{name} must be a positive integer",
            _ => null,
        };
    }
}
