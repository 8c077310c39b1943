using System.Globalization;
using System.Text;

namespace Fjord.Protocol.Generator;

/// <summary>
/// Emits the C# file for one message spec: a sealed partial class with one property per field, a nested
/// class per struct, and version-aware <c>Read</c> / <c>Write</c> / <c>ComputeSize</c> that use no
/// reflection, boxing or LINQ. Not thread-safe; one instance per spec.
/// </summary>
/// <remarks>
/// Naming rules:
/// <list type="bullet">
/// <item>Properties are named exactly as the spec's fields.</item>
/// <item>Every struct, inline or from "commonStructs", becomes a public nested class directly inside the
/// message class (flattened, as Kafka's Java generator does), named after the struct type.</item>
/// <item>If that name collides with a member of the message class (a field such as "Cursor" of type
/// "Cursor", or a generated member such as "Read"), with a field of the struct itself (C# forbids a member
/// named like its enclosing type, e.g. struct TransactionState's field TransactionState), with the message
/// class or with another struct class, "Data" is appended until it is unique:
/// <c>DescribeTopicPartitionsRequest.CursorData</c>, <c>DescribeTransactionsResponse.TransactionStateData</c>.</item>
/// </list>
/// Semantics follow the spec README: fields outside their versions read back as their default; writing a
/// non-default value there throws unless the field is ignorable; tagged fields are written only when not
/// default, in ascending tag order; unknown tags are skipped on read. One deliberate leniency: a null
/// record set in a version where records are not nullable is written as an empty record set, because the
/// spec's default for records is null.
/// </remarks>
internal sealed class MessageGenerator
{
    private static readonly HashSet<string> _generatedMembers =
    [
        "ApiKey", "ApiKeyValue", "LowestSupportedVersion", "HighestSupportedVersion", "LowestFlexibleVersion",
        "LatestVersionUnstable", "Read", "Write", "ComputeSize", "HasOnlyDefaults",
    ];

    // Names the generated code uses in expression context; a property with one of them would shadow it.
    private static readonly HashSet<string> _runtimeNames =
    [
        "ProtocolException", "ProtocolSize", "ProtocolReader", "ProtocolWriter", "ProtocolField", "Uuid", "Array",
        "List", "ReadOnlySequence",
    ];

    private readonly MessageSpec _spec;
    private readonly Dictionary<string, StructSpec> _structs = new(StringComparer.Ordinal);
    private readonly List<StructSpec> _structOrder = [];
    private readonly CodeBuilder _code = new();
    private int _locals;

    public MessageGenerator(MessageSpec spec)
    {
        _spec = spec;
        CollectStructs(spec.Fields);
        foreach (var common in spec.CommonStructs)
        {
            DefineStruct(common);
            CollectStructs(common.Fields);
        }

        NameStructs();
        Validate();
    }

    private VersionRange Valid => _spec.ValidVersions;

    private bool IsTopLevelApi => _spec.Type is "request" or "response";

    public string Generate()
    {
        FileHeader.Write(_code, $"{_spec.Name}.json");
        if (UsesRecords())
        {
            _code.Line("using System.Buffers;");
            _code.Line();
        }

        _code.Line("namespace Fjord.Protocol.Messages;");
        _code.Line();
        EmitClass(_spec.Name, _spec.Fields, topLevel: true);
        return _code.ToString();
    }

    private void CollectStructs(IReadOnlyList<FieldSpec> fields)
    {
        foreach (var field in fields)
        {
            var type = field.Type.Kind == FieldKind.Array ? field.Type.Element! : field.Type;
            if (type.Kind != FieldKind.Struct)
            {
                if (field.InlineFields is not null)
                {
                    throw new FormatException($"{_spec.Name}.{field.Name}: primitive field with inline fields");
                }

                continue;
            }

            if (field.InlineFields is not null)
            {
                DefineStruct(new StructSpec(type.StructName!, field.InlineFields));
                CollectStructs(field.InlineFields);
            }
        }
    }

    private void DefineStruct(StructSpec structSpec)
    {
        if (!_structs.TryAdd(structSpec.Name, structSpec))
        {
            throw new FormatException($"{_spec.Name}: struct {structSpec.Name} is defined twice");
        }

        _structOrder.Add(structSpec);
    }

    private void NameStructs()
    {
        var taken = new HashSet<string>(_generatedMembers, StringComparer.Ordinal) { _spec.Name };
        foreach (var field in _spec.Fields)
        {
            taken.Add(field.Name);
        }

        foreach (var structSpec in _structOrder)
        {
            string name = structSpec.Name;
            while (taken.Contains(name) || structSpec.Fields.Any(f => f.Name == name))
            {
                name += "Data";
            }

            structSpec.ClassName = name;
            taken.Add(name);
        }
    }

    private void Validate()
    {
        void Check(IReadOnlyList<FieldSpec> fields, string owner, bool topLevel)
        {
            var tags = new HashSet<int>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var field in fields)
            {
                string where = $"{_spec.Name}: {owner}.{field.Name}";
                if (!names.Add(field.Name) || _runtimeNames.Contains(field.Name)
                    || (topLevel ? _generatedMembers.Contains(field.Name) : field.Name is "Read" or "Write" or "ComputeSize" or "HasOnlyDefaults"))
                {
                    throw new FormatException($"{where}: field name is duplicated or reserved");
                }

                if (field.Tag is { } tag && !tags.Add(tag))
                {
                    throw new FormatException($"{where}: duplicate tag {tag}");
                }

                if (!field.NullableVersions.IsEmpty && !field.Type.CanBeNullable)
                {
                    throw new FormatException($"{where}: only strings, bytes, records, arrays and structs can be nullable");
                }

                var type = field.Type.Kind == FieldKind.Array ? field.Type.Element! : field.Type;
                if (type.Kind == FieldKind.Struct && !_structs.ContainsKey(type.StructName!))
                {
                    throw new FormatException($"{where}: unknown struct {type.StructName}");
                }

                if (field.Type.Kind == FieldKind.Array && field.Type.Element!.Kind == FieldKind.Records)
                {
                    throw new FormatException($"{where}: arrays of records are not supported");
                }

                var taggedVersions = field.TaggedVersions.Intersect(Valid);
                if (field.IsTagged && taggedVersions.Intersect(_spec.FlexibleVersions) != taggedVersions)
                {
                    throw new FormatException($"{where}: tagged versions must be flexible");
                }

                _ = DefaultExpression(field); // validates the default
            }
        }

        Check(_spec.Fields, _spec.Name, topLevel: true);
        foreach (var structSpec in _structOrder)
        {
            if (_runtimeNames.Contains(structSpec.ClassName))
            {
                throw new FormatException($"{_spec.Name}: struct name {structSpec.ClassName} is reserved");
            }

            Check(structSpec.Fields, structSpec.Name, topLevel: false);
        }
    }

    private bool UsesRecords()
    {
        static bool Any(IReadOnlyList<FieldSpec> fields) => fields.Any(f => f.Type.Kind == FieldKind.Records);
        return Any(_spec.Fields) || _structOrder.Any(s => Any(s.Fields));
    }

    // ---- class layout -------------------------------------------------------------------------------

    private void EmitClass(string className, IReadOnlyList<FieldSpec> fields, bool topLevel)
    {
        if (topLevel)
        {
            _code.Line("/// <summary>");
            _code.Line($"/// {Describe()}");
            _code.Line("/// A plain mutable message: not thread-safe; fill, write or read it on one thread.");
            _code.Line("/// </summary>");
            string iface = _spec.Type switch
            {
                "request" => "IRequestMessage",
                "response" => "IResponseMessage",
                _ => "IProtocolMessage",
            };
            _code.Open($"public sealed partial class {className} : {iface}");
            if (IsTopLevelApi)
            {
                _code.Line($"public const short ApiKeyValue = {_spec.ApiKey ?? throw new FormatException($"{_spec.Name} has no apiKey")};");
            }

            _code.Line($"public const short LowestSupportedVersion = {Valid.Lowest};");
            _code.Line($"public const short HighestSupportedVersion = {Valid.Highest};");
            _code.Line($"public const short LowestFlexibleVersion = {(_spec.FlexibleVersions.IsEmpty ? "short.MaxValue" : _spec.FlexibleVersions.Lowest.ToString(CultureInfo.InvariantCulture))};");
            _code.Line($"public const bool LatestVersionUnstable = {(_spec.LatestVersionUnstable ? "true" : "false")};");
            if (IsTopLevelApi)
            {
                _code.Line();
                _code.Line("public short ApiKey => ApiKeyValue;");
            }
        }
        else
        {
            _code.Line("/// <summary>");
            _code.Line($"/// The {className} struct of <see cref=\"{_spec.Name}\"/>; versions follow the message. Not thread-safe.");
            _code.Line("/// </summary>");
            _code.Open($"public sealed partial class {className}");
        }

        bool first = !topLevel;
        foreach (var field in fields)
        {
            if (!first)
            {
                _code.Line();
            }

            first = false;
            EmitProperty(field);
        }

        _code.Line();
        EmitRead(className, fields, topLevel);
        _code.Line();
        EmitWrite(className, fields, topLevel);
        _code.Line();
        EmitComputeSize(className, fields, topLevel);
        if (!topLevel)
        {
            _code.Line();
            EmitIsDefault(fields);
        }

        if (topLevel)
        {
            foreach (var structSpec in _structOrder)
            {
                _code.Line();
                EmitClass(structSpec.ClassName, structSpec.Fields, topLevel: false);
            }
        }

        _code.Close();
    }

    private string Describe()
    {
        string flexible = _spec.FlexibleVersions.IsEmpty ? "never flexible" : $"flexible from version {_spec.FlexibleVersions.Lowest}";
        string kind = _spec.Type switch
        {
            "request" or "response" => $"{_spec.Type} (API key {_spec.ApiKey})",
            "header" => "header",
            _ => "data schema",
        };
        return $"Kafka's {_spec.Name} {kind}: versions {Valid}, {flexible}.";
    }

    private void EmitProperty(FieldSpec field)
    {
        var attribute = new StringBuilder($"[ProtocolField(\"{field.Versions}\"");
        if (!field.NullableVersions.IsEmpty)
        {
            attribute.Append($", NullableVersions = \"{field.NullableVersions}\"");
        }

        if (field.Tag is { } tag)
        {
            attribute.Append($", TaggedVersions = \"{field.TaggedVersions}\", Tag = {tag}");
        }

        if (field.Ignorable)
        {
            attribute.Append(", Ignorable = true");
        }

        _code.Line(attribute.Append(")]").ToString());
        string type = CsType(field.Type, field.IsNullableType);
        string initial = DefaultExpression(field);
        // Only initial values that differ from the CLR default are spelled out.
        _code.Line(field.Type.Kind == FieldKind.Records || initial is "null" or "0" or "false" or "0d"
            ? $"public {type} {field.Name} {{ get; set; }}"
            : $"public {type} {field.Name} {{ get; set; }} = {initial};");
    }

    private string CsType(FieldType type, bool nullable)
    {
        string name = type.Kind switch
        {
            FieldKind.Bool => "bool",
            FieldKind.Int8 => "sbyte",
            FieldKind.Int16 => "short",
            FieldKind.UInt16 => "ushort",
            FieldKind.Int32 => "int",
            FieldKind.UInt32 => "uint",
            FieldKind.Int64 => "long",
            FieldKind.Float64 => "double",
            FieldKind.String => "string",
            FieldKind.Bytes => "byte[]",
            FieldKind.Records => "ReadOnlySequence<byte>?",
            FieldKind.Uuid => "Uuid",
            FieldKind.Struct => _structs[type.StructName!].ClassName,
            FieldKind.Array => $"List<{CsType(type.Element!, nullable: false)}>",
            _ => throw new InvalidOperationException(type.Kind.ToString()),
        };
        return nullable && type.Kind != FieldKind.Records ? name + "?" : name;
    }

    // ---- defaults -----------------------------------------------------------------------------------

    /// <summary>The C# expression of a field's default value (spec rule 12).</summary>
    private string DefaultExpression(FieldSpec field)
    {
        string? text = field.Default;
        bool isNull = text == "null";
        if (isNull && field.NullableVersions.Intersect(field.Versions).Intersect(Valid) != field.Versions.Intersect(Valid))
        {
            throw new FormatException($"{_spec.Name}.{field.Name}: default null but not nullable in all its versions");
        }

        switch (field.Type.Kind)
        {
            case FieldKind.Bool:
                return text is null ? "false"
                    : bool.TryParse(text, out bool flag) ? (flag ? "true" : "false")
                    : throw new FormatException($"{_spec.Name}.{field.Name}: bad bool default {text}");
            case FieldKind.Int8:
                return Integer(field, sbyte.MinValue, sbyte.MaxValue);
            case FieldKind.Int16:
                return Integer(field, short.MinValue, short.MaxValue);
            case FieldKind.UInt16:
                return Integer(field, ushort.MinValue, ushort.MaxValue);
            case FieldKind.Int32:
                return Integer(field, int.MinValue, int.MaxValue);
            case FieldKind.UInt32:
                return Integer(field, uint.MinValue, uint.MaxValue);
            case FieldKind.Int64:
                return Integer(field, long.MinValue, long.MaxValue);
            case FieldKind.Float64:
                double number = text is null ? 0 : double.Parse(text, CultureInfo.InvariantCulture);
                return number.ToString("R", CultureInfo.InvariantCulture) + "d";
            case FieldKind.String:
                return isNull ? "null" : Quote(text ?? string.Empty);
            case FieldKind.Bytes:
                return isNull ? "null"
                    : text is null or "" ? "Array.Empty<byte>()"
                    : throw new FormatException($"{_spec.Name}.{field.Name}: bytes can only default to null or empty");
            case FieldKind.Records:
                return text is null or "null" ? "null" : throw new FormatException($"{_spec.Name}.{field.Name}: records default to null");
            case FieldKind.Uuid:
                return text is null or "AAAAAAAAAAAAAAAAAAAAAA" ? "Uuid.Zero"
                    : throw new FormatException($"{_spec.Name}.{field.Name}: only the zero UUID default is supported");
            case FieldKind.Struct:
            case FieldKind.Array:
                return isNull ? "null"
                    : text is null or "" ? "new()"
                    : throw new FormatException($"{_spec.Name}.{field.Name}: arrays and structs default to empty or null");
            default:
                throw new InvalidOperationException(field.Type.Kind.ToString());
        }
    }

    private string Integer(FieldSpec field, decimal min, decimal max)
    {
        string? text = field.Default;
        if (text is null)
        {
            return "0";
        }

        decimal value;
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            value = ulong.Parse(text[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        }
        else if (text.StartsWith("-0x", StringComparison.OrdinalIgnoreCase))
        {
            value = -(decimal)ulong.Parse(text[3..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        }
        else
        {
            value = decimal.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        }

        if (value < min || value > max)
        {
            throw new FormatException($"{_spec.Name}.{field.Name}: default {text} is out of range");
        }

        // long.MinValue cannot be written as a negated literal; no spec uses it, but stay correct.
        return value == long.MinValue ? "long.MinValue" : value.ToString(CultureInfo.InvariantCulture);
    }

    private static string Quote(string text)
    {
        var builder = new StringBuilder("\"");
        foreach (char c in text)
        {
            builder.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                _ when c < ' ' || c > '~' => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }

        return builder.Append('"').ToString();
    }

    /// <summary>A C# condition that is true when <paramref name="value"/> equals the field's default.</summary>
    private string IsDefaultExpression(FieldSpec field, string value)
    {
        bool defaultNull = field.Default == "null";
        return field.Type.Kind switch
        {
            FieldKind.String => defaultNull ? $"{value} is null" : $"{value} == {DefaultExpression(field)}",
            FieldKind.Bytes => defaultNull ? $"{value} is null" : $"{value} is {{ Length: 0 }}",
            FieldKind.Records => $"{value} is null",
            FieldKind.Array => defaultNull ? $"{value} is null" : $"{value} is {{ Count: 0 }}",
            FieldKind.Struct => defaultNull ? $"{value} is null" : $"{value} is not null && {value}.HasOnlyDefaults()",
            FieldKind.Float64 => $"{value}.Equals({DefaultExpression(field)})",
            _ => $"{value} == {DefaultExpression(field)}",
        };
    }

    // ---- version conditions -------------------------------------------------------------------------

    /// <summary>
    /// A C# condition on <c>version</c> that holds for the versions of <paramref name="range"/>, assuming
    /// the version is already known to be in <paramref name="within"/>: "true", "false" or comparisons.
    /// </summary>
    private static string Condition(VersionRange range, VersionRange within)
    {
        var effective = range.Intersect(within);
        if (effective.IsEmpty)
        {
            return "false";
        }

        if (effective == within)
        {
            return "true";
        }

        var parts = new List<string>();
        if (effective.Lowest > within.Lowest)
        {
            parts.Add($"version >= {effective.Lowest}");
        }

        if (effective.Highest < within.Highest)
        {
            parts.Add($"version <= {effective.Highest}");
        }

        return string.Join(" && ", parts);
    }

    private static string Not(string condition) => condition switch
    {
        "true" => "false",
        "false" => "true",
        _ => $"!({condition})",
    };

    private VersionRange PresentVersions(FieldSpec field) =>
        (field.IsTagged ? field.TaggedVersions.Intersect(field.Versions) : field.Versions).Intersect(Valid);

    private string CompactCondition(FieldSpec field, VersionRange present) =>
        Condition(field.FlexibleVersions ?? _spec.FlexibleVersions, present);

    private string Local(string prefix) => prefix + (_locals++).ToString(CultureInfo.InvariantCulture);

    private static string FieldLabel(string owner, FieldSpec field) => $"\"{owner}.{field.Name}\"";

    // ---- Read ---------------------------------------------------------------------------------------

    private void EmitRead(string className, IReadOnlyList<FieldSpec> fields, bool topLevel)
    {
        _locals = 0;
        _code.Open("public void Read(ref ProtocolReader reader, short version)");
        if (topLevel)
        {
            EmitVersionCheck();
        }

        foreach (var field in fields)
        {
            if (field.IsTagged)
            {
                continue;
            }

            string present = Condition(field.Versions, Valid);
            if (present == "true")
            {
                EmitReadValue(className, field);
            }
            else if (present == "false")
            {
                _code.Line($"{field.Name} = {DefaultExpression(field)};");
            }
            else
            {
                _code.Open($"if ({present})");
                EmitReadValue(className, field);
                _code.Close();
                _code.Open("else");
                _code.Line($"{field.Name} = {DefaultExpression(field)};");
                _code.Close();
            }
        }

        EmitReadTaggedFields(className, fields);
        _code.Close();
    }

    private void EmitVersionCheck()
    {
        _code.Open("if (version < LowestSupportedVersion || version > HighestSupportedVersion)");
        _code.Line($"throw ProtocolException.UnsupportedVersion(\"{_spec.Name}\", version);");
        _code.Close();
        _code.Line();
    }

    private void EmitReadTaggedFields(string className, IReadOnlyList<FieldSpec> fields)
    {
        var tagged = TaggedFields(fields);
        foreach (var field in tagged)
        {
            _code.Line($"{field.Name} = {DefaultExpression(field)};");
        }

        string flexible = Condition(_spec.FlexibleVersions, Valid);
        if (flexible == "false")
        {
            return;
        }

        if (flexible != "true")
        {
            _code.Open($"if ({flexible})");
        }

        if (tagged.Count == 0)
        {
            _code.Line("reader.SkipTaggedFields();");
        }
        else
        {
            var flexibleRange = _spec.FlexibleVersions.Intersect(Valid);
            string count = Local("taggedCount");
            string index = Local("i");
            string tag = Local("tag");
            string size = Local("tagSize");
            string start = Local("tagStart");
            _code.Line($"int {count} = reader.ReadTaggedFieldCount();");
            _code.Open($"for (int {index} = 0; {index} < {count}; {index}++)");
            _code.Line($"reader.ReadTaggedFieldHeader(out int {tag}, out int {size});");
            _code.Line($"long {start} = reader.Consumed;");
            _code.Open($"switch ({tag})");
            foreach (var field in tagged)
            {
                string present = Condition(PresentVersions(field), flexibleRange);
                if (present == "false")
                {
                    continue;
                }

                _code.Line($"case {field.Tag}:");
                _code.Open();
                if (present != "true")
                {
                    _code.Open($"if ({present})");
                }

                EmitReadValue(className, field);
                _code.Line($"reader.EndTaggedField({tag}, {start}, {size});");
                if (present != "true")
                {
                    _code.Close();
                    _code.Open("else");
                    _code.Line($"reader.Skip({size});");
                    _code.Close();
                }

                _code.Line("break;");
                _code.Close();
            }

            _code.Line("default:");
            _code.Open();
            _code.Line("// KIP-482: readers skip tags they do not know.");
            _code.Line($"reader.Skip({size});");
            _code.Line("break;");
            _code.Close();
            _code.Close();
            _code.Close();
        }

        if (flexible != "true")
        {
            _code.Close();
        }
    }

    private void EmitReadValue(string owner, FieldSpec field)
    {
        var present = PresentVersions(field);
        string compact = CompactCondition(field, present);
        string nullable = Condition(field.NullableVersions, present);
        string name = field.Name;
        string label = FieldLabel(owner, field);
        switch (field.Type.Kind)
        {
            case FieldKind.String:
            case FieldKind.Bytes:
            case FieldKind.Records:
                string call = $"reader.{ReadMethod(field.Type.Kind)}({compact})";
                if (nullable == "true")
                {
                    _code.Line($"{name} = {call};");
                }
                else if (nullable == "false")
                {
                    _code.Line($"{name} = {call} ?? throw ProtocolException.NullValue({label}, version);");
                }
                else
                {
                    _code.Line($"{name} = {call};");
                    _code.Open($"if ({name} is null && {Not(nullable)})");
                    _code.Line($"throw ProtocolException.NullValue({label}, version);");
                    _code.Close();
                }

                break;
            case FieldKind.Struct:
                string structType = CsType(field.Type, nullable: false);
                if (nullable != "false")
                {
                    if (nullable != "true")
                    {
                        _code.Open($"if ({nullable})");
                    }

                    // Spec rule 9: a nullable struct has a leading int8, -1 for null.
                    _code.Open("if (reader.ReadInt8() < 0)");
                    _code.Line($"{name} = null;");
                    _code.Close();
                    _code.Open("else");
                    EmitReadNewStruct(name, structType);
                    _code.Close();
                    if (nullable != "true")
                    {
                        _code.Close();
                        _code.Open("else");
                        EmitReadNewStruct(name, structType);
                        _code.Close();
                    }
                }
                else
                {
                    EmitReadNewStruct(name, structType);
                }

                break;
            case FieldKind.Array:
                EmitReadArray(owner, field, compact, nullable);
                break;
            default:
                _code.Line($"{name} = reader.{ReadMethod(field.Type.Kind)}();");
                break;
        }
    }

    private void EmitReadNewStruct(string target, string structType)
    {
        string local = Local("value");
        _code.Line($"var {local} = new {structType}();");
        _code.Line($"{local}.Read(ref reader, version);");
        _code.Line($"{target} = {local};");
    }

    private void EmitReadArray(string owner, FieldSpec field, string compact, string nullable)
    {
        string count = Local("count");
        string list = Local("list");
        string index = Local("i");
        string label = FieldLabel(owner, field);
        var element = field.Type.Element!;
        string elementType = CsType(element, nullable: false);
        _code.Open();
        _code.Line($"int {count} = reader.ReadArrayLength({compact});");
        _code.Open($"if ({count} < 0)");
        if (nullable == "false")
        {
            _code.Line($"throw ProtocolException.NullValue({label}, version);");
        }
        else
        {
            if (nullable != "true")
            {
                _code.Open($"if ({Not(nullable)})");
                _code.Line($"throw ProtocolException.NullValue({label}, version);");
                _code.Close();
                _code.Line();
            }

            _code.Line($"{field.Name} = null;");
        }

        _code.Close();
        _code.Open("else");
        _code.Line($"var {list} = new List<{elementType}>({count});");
        _code.Open($"for (int {index} = 0; {index} < {count}; {index}++)");
        switch (element.Kind)
        {
            case FieldKind.Struct:
                string item = Local("item");
                _code.Line($"var {item} = new {elementType}();");
                _code.Line($"{item}.Read(ref reader, version);");
                _code.Line($"{list}.Add({item});");
                break;
            case FieldKind.String:
            case FieldKind.Bytes:
                _code.Line($"{list}.Add(reader.{ReadMethod(element.Kind)}({compact}) ?? throw ProtocolException.NullValue({label}, version));");
                break;
            default:
                _code.Line($"{list}.Add(reader.{ReadMethod(element.Kind)}());");
                break;
        }

        _code.Close();
        _code.Line($"{field.Name} = {list};");
        _code.Close();
        _code.Close();
    }

    private static string ReadMethod(FieldKind kind) => "Read" + PrimitiveSuffix(kind);

    private static string WriteMethod(FieldKind kind) => "Write" + PrimitiveSuffix(kind);

    private static string PrimitiveSuffix(FieldKind kind) => kind switch
    {
        FieldKind.Bool => "Bool",
        FieldKind.Int8 => "Int8",
        FieldKind.Int16 => "Int16",
        FieldKind.UInt16 => "UInt16",
        FieldKind.Int32 => "Int32",
        FieldKind.UInt32 => "UInt32",
        FieldKind.Int64 => "Int64",
        FieldKind.Float64 => "Float64",
        FieldKind.Uuid => "Uuid",
        FieldKind.String => "String",
        FieldKind.Bytes => "Bytes",
        FieldKind.Records => "Records",
        _ => throw new InvalidOperationException(kind.ToString()),
    };

    // ---- Write --------------------------------------------------------------------------------------

    private void EmitWrite(string className, IReadOnlyList<FieldSpec> fields, bool topLevel)
    {
        _locals = 0;
        _code.Open("public void Write(ref ProtocolWriter writer, short version)");
        if (topLevel)
        {
            EmitVersionCheck();
        }

        foreach (var field in fields)
        {
            if (!field.IsTagged)
            {
                EmitPresenceGuarded(className, field, () => EmitWriteValue(className, field));
            }
        }

        EmitUnsupportedTaggedChecks(className, fields);
        var tagged = TaggedFields(fields);
        string flexible = Condition(_spec.FlexibleVersions, Valid);
        if (flexible != "false")
        {
            if (flexible != "true")
            {
                _code.Open($"if ({flexible})");
            }

            if (tagged.Count == 0)
            {
                _code.Line("writer.WriteEmptyTaggedFields();");
            }
            else
            {
                var flexibleRange = _spec.FlexibleVersions.Intersect(Valid);
                string count = Local("taggedCount");
                _code.Line($"int {count} = 0;");
                foreach (var field in tagged)
                {
                    string condition = TaggedWriteCondition(field, flexibleRange);
                    if (condition != "false")
                    {
                        _code.Open($"if ({condition})");
                        _code.Line($"{count}++;");
                        _code.Close();
                    }
                }

                _code.Line($"writer.WriteUnsignedVarInt((uint){count});");
                foreach (var field in tagged)
                {
                    string condition = TaggedWriteCondition(field, flexibleRange);
                    if (condition == "false")
                    {
                        continue;
                    }

                    _code.Open($"if ({condition})");
                    string size = Local("tagSize");
                    _code.Line($"writer.WriteUnsignedVarInt({field.Tag});");
                    _code.Line($"int {size} = 0;");
                    EmitSizeValue(className, field, size);
                    _code.Line($"writer.WriteUnsignedVarInt((uint){size});");
                    EmitWriteValue(className, field);
                    _code.Close();
                }
            }

            if (flexible != "true")
            {
                _code.Close();
            }
        }

        _code.Close();
    }

    private string TaggedWriteCondition(FieldSpec field, VersionRange flexibleRange)
    {
        string present = Condition(PresentVersions(field), flexibleRange);
        string notDefault = $"!({IsDefaultExpression(field, field.Name)})";
        return present switch
        {
            "false" => "false",
            "true" => notDefault,
            _ => $"{present} && {notDefault}",
        };
    }

    /// <summary>
    /// Emits <paramref name="emit"/> for the versions the (untagged) field exists in, and outside them
    /// the spec rule 13 check: a non-default value of a non-ignorable field cannot be dropped silently.
    /// </summary>
    private void EmitPresenceGuarded(string owner, FieldSpec field, Action emit)
    {
        string present = Condition(field.Versions, Valid);
        if (present == "true")
        {
            emit();
            return;
        }

        if (present != "false")
        {
            _code.Open($"if ({present})");
            emit();
            _code.Close();
        }

        if (!field.Ignorable)
        {
            string header = $"if (!({IsDefaultExpression(field, field.Name)}))";
            _code.Open(present == "false" ? header : "else " + header);
            _code.Line($"throw ProtocolException.UnsupportedField({FieldLabel(owner, field)}, version);");
            _code.Close();
        }
    }

    private void EmitUnsupportedTaggedChecks(string owner, IReadOnlyList<FieldSpec> fields)
    {
        foreach (var field in TaggedFields(fields))
        {
            string present = Condition(PresentVersions(field), Valid);
            if (field.Ignorable || present == "true")
            {
                continue;
            }

            string absent = present == "false" ? string.Empty : Not(present) + " && ";
            _code.Open($"if ({absent}!({IsDefaultExpression(field, field.Name)}))");
            _code.Line($"throw ProtocolException.UnsupportedField({FieldLabel(owner, field)}, version);");
            _code.Close();
        }
    }

    private void EmitWriteValue(string owner, FieldSpec field)
    {
        var present = PresentVersions(field);
        string compact = CompactCondition(field, present);
        string nullable = Condition(field.NullableVersions, present);
        string name = field.Name;
        string label = FieldLabel(owner, field);
        switch (field.Type.Kind)
        {
            case FieldKind.String:
            case FieldKind.Bytes:
                string method = WriteMethod(field.Type.Kind);
                if (nullable == "true")
                {
                    _code.Line($"writer.{method}({name}, {compact});");
                }
                else if (nullable == "false")
                {
                    _code.Line($"writer.{method}({name} ?? throw ProtocolException.NullValue({label}, version), {compact});");
                }
                else
                {
                    _code.Open($"if ({name} is null && {Not(nullable)})");
                    _code.Line($"throw ProtocolException.NullValue({label}, version);");
                    _code.Close();
                    _code.Line();
                    _code.Line($"writer.{method}({name}, {compact});");
                }

                break;
            case FieldKind.Records:
                if (nullable == "true")
                {
                    _code.Line($"writer.WriteRecords({name}, {compact});");
                }
                else if (nullable == "false")
                {
                    _code.Line("// Records default to null; where they cannot be null, null is sent as an empty record set.");
                    _code.Line($"writer.WriteRecords({name} ?? ReadOnlySequence<byte>.Empty, {compact});");
                }
                else
                {
                    _code.Line($"writer.WriteRecords({name} is null && {Not(nullable)} ? ReadOnlySequence<byte>.Empty : {name}, {compact});");
                }

                break;
            case FieldKind.Struct:
                if (nullable != "false")
                {
                    if (nullable != "true")
                    {
                        _code.Open($"if ({nullable})");
                    }

                    _code.Open($"if ({name} is null)");
                    _code.Line("writer.WriteInt8(-1);");
                    _code.Close();
                    _code.Open("else");
                    _code.Line("writer.WriteInt8(1);");
                    _code.Line($"{name}.Write(ref writer, version);");
                    _code.Close();
                    if (nullable != "true")
                    {
                        _code.Close();
                        _code.Open("else");
                        _code.Line($"({name} ?? throw ProtocolException.NullValue({label}, version)).Write(ref writer, version);");
                        _code.Close();
                    }
                }
                else
                {
                    _code.Line($"({name} ?? throw ProtocolException.NullValue({label}, version)).Write(ref writer, version);");
                }

                break;
            case FieldKind.Array:
                EmitWriteArray(field, compact, nullable, label);
                break;
            default:
                _code.Line($"writer.{WriteMethod(field.Type.Kind)}({name});");
                break;
        }
    }

    private void EmitWriteArray(FieldSpec field, string compact, string nullable, string label)
    {
        string name = field.Name;
        var element = field.Type.Element!;
        _code.Open($"if ({name} is null)");
        if (nullable == "false")
        {
            _code.Line($"throw ProtocolException.NullValue({label}, version);");
        }
        else
        {
            if (nullable != "true")
            {
                _code.Open($"if ({Not(nullable)})");
                _code.Line($"throw ProtocolException.NullValue({label}, version);");
                _code.Close();
                _code.Line();
            }

            _code.Line($"writer.WriteArrayLength(-1, {compact});");
        }

        _code.Close();
        _code.Open("else");
        _code.Line($"writer.WriteArrayLength({name}.Count, {compact});");
        string item = Local("item");
        _code.Open($"foreach (var {item} in {name})");
        switch (element.Kind)
        {
            case FieldKind.Struct:
                _code.Line($"({item} ?? throw ProtocolException.NullValue({label}, version)).Write(ref writer, version);");
                break;
            case FieldKind.String:
            case FieldKind.Bytes:
                _code.Line($"writer.{WriteMethod(element.Kind)}({item} ?? throw ProtocolException.NullValue({label}, version), {compact});");
                break;
            default:
                _code.Line($"writer.{WriteMethod(element.Kind)}({item});");
                break;
        }

        _code.Close();
        _code.Close();
    }

    // ---- ComputeSize --------------------------------------------------------------------------------

    private void EmitComputeSize(string className, IReadOnlyList<FieldSpec> fields, bool topLevel)
    {
        _locals = 0;
        _code.Open("public int ComputeSize(short version)");
        if (topLevel)
        {
            EmitVersionCheck();
        }

        _code.Line("int size = 0;");
        foreach (var field in fields)
        {
            if (!field.IsTagged)
            {
                EmitPresenceGuarded(className, field, () => EmitSizeValue(className, field, "size"));
            }
        }

        EmitUnsupportedTaggedChecks(className, fields);
        var tagged = TaggedFields(fields);
        string flexible = Condition(_spec.FlexibleVersions, Valid);
        if (flexible != "false")
        {
            if (flexible != "true")
            {
                _code.Open($"if ({flexible})");
            }

            if (tagged.Count == 0)
            {
                _code.Line("size += 1; // empty tagged-field section");
            }
            else
            {
                var flexibleRange = _spec.FlexibleVersions.Intersect(Valid);
                string count = Local("taggedCount");
                _code.Line($"int {count} = 0;");
                foreach (var field in tagged)
                {
                    string condition = TaggedWriteCondition(field, flexibleRange);
                    if (condition == "false")
                    {
                        continue;
                    }

                    _code.Open($"if ({condition})");
                    string tagSize = Local("tagSize");
                    _code.Line($"{count}++;");
                    _code.Line($"int {tagSize} = 0;");
                    EmitSizeValue(className, field, tagSize);
                    _code.Line($"size += ProtocolSize.UnsignedVarInt({field.Tag}) + ProtocolSize.UnsignedVarInt((uint){tagSize}) + {tagSize};");
                    _code.Close();
                }

                _code.Line($"size += ProtocolSize.UnsignedVarInt((uint){count});");
            }

            if (flexible != "true")
            {
                _code.Close();
            }
        }

        _code.Line("return size;");
        _code.Close();
    }

    private void EmitSizeValue(string owner, FieldSpec field, string target)
    {
        var present = PresentVersions(field);
        string compact = CompactCondition(field, present);
        string nullable = Condition(field.NullableVersions, present);
        string name = field.Name;
        string label = FieldLabel(owner, field);
        switch (field.Type.Kind)
        {
            case FieldKind.String:
            case FieldKind.Bytes:
            case FieldKind.Records:
                // A null where null is not allowed fails in Write; a null and an empty value have the same size.
                _code.Line($"{target} += ProtocolSize.{PrimitiveSuffix(field.Type.Kind)}({name}, {compact});");
                break;
            case FieldKind.Struct:
                if (nullable != "false")
                {
                    if (nullable != "true")
                    {
                        _code.Open($"if ({nullable})");
                    }

                    _code.Line($"{target} += 1;");
                    _code.Open($"if ({name} is not null)");
                    _code.Line($"{target} += {name}.ComputeSize(version);");
                    _code.Close();
                    if (nullable != "true")
                    {
                        _code.Close();
                        _code.Open("else");
                        _code.Line($"{target} += ({name} ?? throw ProtocolException.NullValue({label}, version)).ComputeSize(version);");
                        _code.Close();
                    }
                }
                else
                {
                    _code.Line($"{target} += ({name} ?? throw ProtocolException.NullValue({label}, version)).ComputeSize(version);");
                }

                break;
            case FieldKind.Array:
                var element = field.Type.Element!;
                _code.Open($"if ({name} is null)");
                _code.Line($"{target} += ProtocolSize.ArrayLength(-1, {compact});");
                _code.Close();
                _code.Open("else");
                _code.Line($"{target} += ProtocolSize.ArrayLength({name}.Count, {compact});");
                if (element.FixedSize > 0)
                {
                    _code.Line($"{target} += {name}.Count * {element.FixedSize};");
                }
                else
                {
                    string item = Local("item");
                    _code.Open($"foreach (var {item} in {name})");
                    _code.Line(element.Kind == FieldKind.Struct
                        ? $"{target} += ({item} ?? throw ProtocolException.NullValue({label}, version)).ComputeSize(version);"
                        : $"{target} += ProtocolSize.{PrimitiveSuffix(element.Kind)}({item}, {compact});");
                    _code.Close();
                }

                _code.Close();
                break;
            default:
                _code.Line($"{target} += {field.Type.FixedSize};");
                break;
        }
    }

    // ---- IsDefault ----------------------------------------------------------------------------------

    private void EmitIsDefault(IReadOnlyList<FieldSpec> fields)
    {
        _code.Line("/// <summary>True when every field holds its spec default (how tagged and version-limited structs are compared).</summary>");
        _code.Open("internal bool HasOnlyDefaults()");
        if (fields.Count == 0)
        {
            _code.Line("return true;");
        }
        else
        {
            for (int i = 0; i < fields.Count; i++)
            {
                string term = IsDefaultExpression(fields[i], fields[i].Name);
                string line = (i == 0 ? "return " : "    && ") + term + (i == fields.Count - 1 ? ";" : string.Empty);
                _code.Line(line);
            }
        }

        _code.Close();
    }

    private static List<FieldSpec> TaggedFields(IReadOnlyList<FieldSpec> fields)
    {
        var tagged = new List<FieldSpec>();
        foreach (var field in fields)
        {
            if (field.IsTagged)
            {
                tagged.Add(field);
            }
        }

        tagged.Sort((a, b) => a.Tag!.Value.CompareTo(b.Tag!.Value));
        return tagged;
    }
}
