namespace Fjord.Protocol.Generator;

/// <summary>One field of a message or struct spec, as parsed from JSON. Immutable.</summary>
internal sealed record FieldSpec(
    string Name,
    FieldType Type,
    VersionRange Versions,
    VersionRange NullableVersions,
    VersionRange TaggedVersions,
    int? Tag,
    bool Ignorable,
    string? Default,
    VersionRange? FlexibleVersions,
    IReadOnlyList<FieldSpec>? InlineFields)
{
    public bool IsTagged => Tag is not null;

    /// <summary>True when the property must be able to hold null (nullable in at least one version).</summary>
    public bool IsNullableType => !NullableVersions.IsEmpty;
}
