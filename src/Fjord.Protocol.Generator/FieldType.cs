namespace Fjord.Protocol.Generator;

/// <summary>The kinds of field types in Kafka's message specs.</summary>
internal enum FieldKind
{
    Bool,
    Int8,
    Int16,
    UInt16,
    Int32,
    UInt32,
    Int64,
    Float64,
    String,
    Bytes,
    Records,
    Uuid,
    Struct,
    Array,
}

/// <summary>
/// A field's type: a primitive, a struct (by its spec name) or an array of either. Immutable.
/// </summary>
internal sealed record FieldType(FieldKind Kind, string? StructName = null, FieldType? Element = null)
{
    public static FieldType Parse(string text)
    {
        if (text.StartsWith("[]", StringComparison.Ordinal))
        {
            var element = Parse(text[2..]);
            if (element.Kind == FieldKind.Array)
            {
                throw new FormatException($"nested arrays are not supported: {text}");
            }

            return new FieldType(FieldKind.Array, Element: element);
        }

        return text switch
        {
            "bool" => new(FieldKind.Bool),
            "int8" => new(FieldKind.Int8),
            "int16" => new(FieldKind.Int16),
            "uint16" => new(FieldKind.UInt16),
            "int32" => new(FieldKind.Int32),
            "uint32" => new(FieldKind.UInt32),
            "int64" => new(FieldKind.Int64),
            "float64" => new(FieldKind.Float64),
            "string" => new(FieldKind.String),
            "bytes" => new(FieldKind.Bytes),
            "records" => new(FieldKind.Records),
            "uuid" => new(FieldKind.Uuid),
            _ when text.Length > 0 && char.IsUpper(text[0]) => new(FieldKind.Struct, StructName: text),
            _ => throw new FormatException($"unknown field type '{text}'"),
        };
    }

    /// <summary>True for types that may be null somewhere (strings, bytes, records, arrays, structs).</summary>
    public bool CanBeNullable => Kind is FieldKind.String or FieldKind.Bytes or FieldKind.Records or FieldKind.Array or FieldKind.Struct;

    /// <summary>Fixed encoded width, or 0 for variable-length types.</summary>
    public int FixedSize => Kind switch
    {
        FieldKind.Bool or FieldKind.Int8 => 1,
        FieldKind.Int16 or FieldKind.UInt16 => 2,
        FieldKind.Int32 or FieldKind.UInt32 => 4,
        FieldKind.Int64 or FieldKind.Float64 => 8,
        FieldKind.Uuid => 16,
        _ => 0,
    };
}
