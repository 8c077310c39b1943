using System.Text.Json;

namespace Fjord.Protocol.Generator;

/// <summary>
/// The in-repo list of versions Kafka added after the specs Fjord generates from were taken (<c>version-overlay.json</c>
/// next to this file): each named message's highest valid version is raised and, where Kafka's new version appended
/// fields, those are added (<c>addedFields</c>: the struct's path of field names and the field in the specs' JSON form,
/// valid only from a version the spec did not have). A spec that already reaches the version, a field whose version
/// range is closed below it, or an added field that would change an existing version fails the generation, so the
/// overlay never hides a layout change of a version the specs define. Immutable.
/// </summary>
internal sealed class VersionOverlay(IReadOnlyDictionary<string, short> highestVersions, IReadOnlyDictionary<string, IReadOnlyList<VersionOverlay.AddedField>> addedFields)
{
    public static readonly VersionOverlay Empty = new(new Dictionary<string, short>(), new Dictionary<string, IReadOnlyList<AddedField>>());

    /// <summary>A field appended to the struct reached by <paramref name="Path"/> (field names from the message's top level; empty: the top level).</summary>
    internal sealed record AddedField(IReadOnlyList<string> Path, FieldSpec Field);

    public static VersionOverlay Load(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var highest = new Dictionary<string, short>(StringComparer.Ordinal);
        var added = new Dictionary<string, IReadOnlyList<AddedField>>(StringComparer.Ordinal);
        foreach (var entry in document.RootElement.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            highest[entry.Name] = entry.Value.GetProperty("highestVersion").GetInt16();
            if (entry.Value.TryGetProperty("addedFields", out var fields))
            {
                added[entry.Name] = [.. fields.EnumerateArray().Select(f => new AddedField(
                    f.GetProperty("path").GetString()!.Split('.', StringSplitOptions.RemoveEmptyEntries),
                    SpecLoader.ParseField(f.GetProperty("field"))))];
            }
        }

        return new VersionOverlay(highest, added);
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

        var fields = spec.Fields;
        foreach (var added in addedFields.GetValueOrDefault(spec.Name, []))
        {
            if (added.Field.Versions.Lowest <= spec.ValidVersions.Highest)
            {
                throw new FormatException($"{spec.Name}: added field {added.Field.Name} would change v{added.Field.Versions.Lowest}, which the spec defines");
            }

            fields = Append(fields, added.Path, 0, added.Field, spec.Name);
        }

        return spec with { ValidVersions = spec.ValidVersions with { Highest = highest }, Fields = fields };
    }

    private static IReadOnlyList<FieldSpec> Append(IReadOnlyList<FieldSpec> fields, IReadOnlyList<string> path, int depth, FieldSpec field, string message)
    {
        if (depth == path.Count)
        {
            return [.. fields, field];
        }

        var index = fields.ToList().FindIndex(f => f.Name == path[depth] && f.InlineFields is not null);
        if (index < 0)
        {
            throw new FormatException($"{message}: no struct field {string.Join('.', path.Take(depth + 1))} to add {field.Name} to");
        }

        var copy = fields.ToList();
        copy[index] = copy[index] with { InlineFields = Append(copy[index].InlineFields!, path, depth + 1, field, message) };
        return copy;
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
