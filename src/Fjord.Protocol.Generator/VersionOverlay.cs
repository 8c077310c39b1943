using System.Text.Json;

namespace Fjord.Protocol.Generator;

/// <summary>
/// The in-repo list of versions Kafka added without a schema change after the specs Fjord generates from were taken
/// (<c>version-overlay.json</c> next to this file): each named message's highest valid version is raised, nothing else.
/// A spec that already reaches the version, or a field whose version range is closed below it, fails the generation, so
/// the overlay never hides a real layout change. Immutable.
/// </summary>
internal sealed class VersionOverlay(IReadOnlyDictionary<string, short> highestVersions)
{
    public static readonly VersionOverlay Empty = new(new Dictionary<string, short>());

    public static VersionOverlay Load(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var highest = new Dictionary<string, short>(StringComparer.Ordinal);
        foreach (var entry in document.RootElement.EnumerateObject())
        {
            if (entry.Value.ValueKind == JsonValueKind.Object)
            {
                highest[entry.Name] = entry.Value.GetProperty("highestVersion").GetInt16();
            }
        }

        return new VersionOverlay(highest);
    }

    /// <summary>Every message the overlay names, for checking that each one was found among the specs.</summary>
    public IEnumerable<string> Names => highestVersions.Keys;

    public MessageSpec Apply(MessageSpec spec)
    {
        if (!highestVersions.TryGetValue(spec.Name, out var highest))
        {
            return spec;
        }

        if (spec.ValidVersions.Highest >= highest)
        {
            throw new FormatException($"{spec.Name}: the spec already reaches v{highest}; remove it from the version overlay");
        }

        if (FirstClosedField(spec.Fields, spec.ValidVersions.Highest) is { } closed)
        {
            throw new FormatException($"{spec.Name}: field {closed} stops at v{spec.ValidVersions.Highest}; a new version without it is a schema change, not an overlay");
        }

        return spec with { ValidVersions = spec.ValidVersions with { Highest = highest } };
    }

    // A field present in the spec's last version whose range ends there would silently vanish from the added versions.
    private static string? FirstClosedField(IReadOnlyList<FieldSpec> fields, short lastVersion)
    {
        foreach (var field in fields)
        {
            if (field.Versions.Highest == lastVersion)
            {
                return field.Name;
            }

            if (field.InlineFields is { } inner && FirstClosedField(inner, lastVersion) is { } nested)
            {
                return $"{field.Name}.{nested}";
            }
        }

        return null;
    }
}
