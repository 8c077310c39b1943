namespace Fjord.Protocol;

/// <summary>
/// Records, on a generated message property, the version ranges the spec gives its field, written as in
/// the spec (<c>"3+"</c>, <c>"0-4"</c>, <c>"none"</c>). The codec never reads it (generated code uses no
/// reflection); it documents the property and lets tests and tools enumerate fields per version.
/// Immutable and thread-safe.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
public sealed class ProtocolFieldAttribute : Attribute
{
    public ProtocolFieldAttribute(string versions)
    {
        Versions = versions;
    }

    /// <summary>The versions the field exists in.</summary>
    public string Versions { get; }

    /// <summary>The versions in which the field may be null.</summary>
    public string NullableVersions { get; init; } = "none";

    /// <summary>The versions in which the field travels in the tagged section (with <see cref="Tag"/>).</summary>
    public string TaggedVersions { get; init; } = "none";

    /// <summary>The tag of a tagged field, or -1.</summary>
    public int Tag { get; init; } = -1;

    /// <summary>True if a writer may silently drop a non-default value in a version that lacks the field.</summary>
    public bool Ignorable { get; init; }
}
