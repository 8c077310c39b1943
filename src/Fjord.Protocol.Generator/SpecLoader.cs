using System.Text.Json;

namespace Fjord.Protocol.Generator;

/// <summary>Parses Kafka's JSON message specs (JSON with // comments) into <see cref="MessageSpec"/>s.</summary>
internal static class SpecLoader
{
    private static readonly JsonDocumentOptions _options = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    public static MessageSpec Load(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path), _options);
        var root = document.RootElement;
        try
        {
            var commonStructs = new List<StructSpec>();
            if (root.TryGetProperty("commonStructs", out var common))
            {
                foreach (var element in common.EnumerateArray())
                {
                    commonStructs.Add(new StructSpec(
                        element.GetProperty("name").GetString()!,
                        ParseFields(element.GetProperty("fields"))));
                }
            }

            return new MessageSpec(
                Name: root.GetProperty("name").GetString()!,
                Type: root.GetProperty("type").GetString()!,
                ApiKey: root.TryGetProperty("apiKey", out var apiKey) ? (short)Integer(apiKey) : null,
                ValidVersions: VersionRange.Parse(root.GetProperty("validVersions").GetString()!),
                FlexibleVersions: VersionRange.Parse(root.GetProperty("flexibleVersions").GetString()!),
                LatestVersionUnstable: root.TryGetProperty("latestVersionUnstable", out var unstable) && unstable.GetBoolean(),
                Fields: ParseFields(root.GetProperty("fields")),
                CommonStructs: commonStructs);
        }
        catch (Exception e) when (e is FormatException or KeyNotFoundException or InvalidOperationException)
        {
            throw new FormatException($"{path}: {e.Message}", e);
        }
    }

    private static List<FieldSpec> ParseFields(JsonElement array)
    {
        var fields = new List<FieldSpec>();
        foreach (var element in array.EnumerateArray())
        {
            fields.Add(ParseField(element));
        }

        return fields;
    }

    /// <summary>One field in the specs' JSON form (also the version overlay's added fields).</summary>
    internal static FieldSpec ParseField(JsonElement element)
    {
        string name = element.GetProperty("name").GetString()!;
        var versions = VersionRange.Parse(element.GetProperty("versions").GetString()!);
        int? tag = element.TryGetProperty("tag", out var tagElement) ? Integer(tagElement) : null;
        var tagged = OptionalRange(element, "taggedVersions") ?? VersionRange.None;
        if (tag is not null && tagged.IsEmpty)
        {
            throw new FormatException($"field {name} has a tag but no taggedVersions");
        }

        return new FieldSpec(
            Name: name,
            Type: FieldType.Parse(element.GetProperty("type").GetString()!),
            Versions: versions,
            NullableVersions: OptionalRange(element, "nullableVersions") ?? VersionRange.None,
            TaggedVersions: tagged,
            Tag: tag,
            Ignorable: element.TryGetProperty("ignorable", out var ignorable) && ignorable.GetBoolean(),
            Default: element.TryGetProperty("default", out var defaultValue) ? DefaultText(defaultValue) : null,
            FlexibleVersions: OptionalRange(element, "flexibleVersions"),
            InlineFields: element.TryGetProperty("fields", out var inner) ? ParseFields(inner) : null);
    }

    // A few specs write numbers as strings ("tag": "0").
    private static int Integer(JsonElement value) =>
        value.ValueKind == JsonValueKind.String
            ? int.Parse(value.GetString()!, System.Globalization.CultureInfo.InvariantCulture)
            : value.GetInt32();

    private static VersionRange? OptionalRange(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) ? VersionRange.Parse(value.GetString()!) : null;

    private static string DefaultText(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Number => value.GetRawText(),
        _ => throw new FormatException($"unsupported default {value.GetRawText()}"),
    };
}
