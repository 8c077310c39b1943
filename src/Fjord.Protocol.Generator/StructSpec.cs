namespace Fjord.Protocol.Generator;

/// <summary>
/// A struct of a message: an inline struct of an array/struct field or an entry of "commonStructs".
/// <see cref="ClassName"/> is the C# nested class name after collision renaming. Mutable only while
/// the generator names it.
/// </summary>
internal sealed class StructSpec(string name, IReadOnlyList<FieldSpec> fields)
{
    public string Name { get; } = name;

    public IReadOnlyList<FieldSpec> Fields { get; } = fields;

    public string ClassName { get; set; } = name;
}
