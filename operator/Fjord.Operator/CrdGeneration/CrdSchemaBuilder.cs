using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json.Serialization;
using Fjord.Operator.Crds;
using k8s.Models;

namespace Fjord.Operator.CrdGeneration;

/// <summary>
/// Builds a structural OpenAPI v3 schema from a CRD's C# types: <c>[JsonPropertyName]</c> names the fields,
/// <c>[Description]</c>, <c>[DefaultValue]</c>, <c>[Range]</c>, <c>[MinLength]</c>, <c>[RegularExpression]</c>,
/// <c>[AllowedValues]</c> and <c>[Required]</c> become description, default, minimum/maximum, minLength, pattern, enum
/// and required. Embedded Kubernetes core types (k8s.Models) are kept as free-form objects, the way many operators ship
/// them, because the API server validates them again when the operator copies them into a pod. Thread-safe (stateless).
/// </summary>
public static class CrdSchemaBuilder
{
    public static V1JSONSchemaProps ForObject(Type type, string? description = null)
    {
        var properties = new Dictionary<string, V1JSONSchemaProps>(StringComparer.Ordinal);
        var required = new List<string>();
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var name = property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name;
            if (name is null)
            {
                continue;
            }
            properties[name] = ForProperty(property);
            if (property.GetCustomAttribute<RequiredAttribute>() is not null)
            {
                required.Add(name);
            }
        }
        return new V1JSONSchemaProps
        {
            Type = "object",
            Description = description,
            Properties = properties,
            Required = required.Count > 0 ? required : null,
        };
    }

    private static V1JSONSchemaProps ForProperty(PropertyInfo property)
    {
        var description = property.GetCustomAttribute<DescriptionAttribute>()?.Description;
        if (property.GetCustomAttribute<PreserveUnknownFieldsAttribute>() is not null)
        {
            return new V1JSONSchemaProps { Type = "object", Description = description, XKubernetesPreserveUnknownFields = true };
        }
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        var allowed = property.GetCustomAttribute<AllowedValuesAttribute>()?.Values.Select(v => v!).ToList();
        V1JSONSchemaProps schema;
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
        {
            var items = ForType(type.GetGenericArguments()[0]);
            items.EnumProperty = allowed;
            schema = new V1JSONSchemaProps { Type = "array", Items = items };
        }
        else
        {
            schema = ForType(type);
            schema.EnumProperty = allowed;
        }
        schema.Description = description;
        if (property.GetCustomAttribute<DefaultValueAttribute>() is { } defaultValue)
        {
            schema.DefaultProperty = defaultValue.Value;
        }
        if (property.GetCustomAttribute<RangeAttribute>() is { } range)
        {
            schema.Minimum = Convert.ToDouble(range.Minimum, System.Globalization.CultureInfo.InvariantCulture);
            schema.Maximum = Convert.ToDouble(range.Maximum, System.Globalization.CultureInfo.InvariantCulture);
        }
        if (property.GetCustomAttribute<MinLengthAttribute>() is { } minLength)
        {
            schema.MinLength = minLength.Length;
        }
        if (property.GetCustomAttribute<RegularExpressionAttribute>() is { } pattern)
        {
            schema.Pattern = pattern.Pattern;
        }
        return schema;
    }

    private static V1JSONSchemaProps ForType(Type type)
    {
        if (type == typeof(string))
        {
            return new V1JSONSchemaProps { Type = "string" };
        }
        if (type == typeof(int))
        {
            return new V1JSONSchemaProps { Type = "integer", Format = "int32" };
        }
        if (type == typeof(long))
        {
            return new V1JSONSchemaProps { Type = "integer", Format = "int64" };
        }
        if (type == typeof(bool))
        {
            return new V1JSONSchemaProps { Type = "boolean" };
        }
        if (type == typeof(double))
        {
            return new V1JSONSchemaProps { Type = "number", Format = "double" };
        }
        if (type == typeof(DateTimeOffset))
        {
            return new V1JSONSchemaProps { Type = "string", Format = "date-time" };
        }
        if (type == typeof(Dictionary<string, string>))
        {
            return new V1JSONSchemaProps { Type = "object", AdditionalProperties = new V1JSONSchemaProps { Type = "string" } };
        }
        if (type.Namespace == typeof(V1ObjectMeta).Namespace)
        {
            return new V1JSONSchemaProps { Type = "object", XKubernetesPreserveUnknownFields = true };
        }
        if (type.IsClass && type.Namespace == typeof(FjordGroup).Namespace)
        {
            return ForObject(type);
        }
        throw new NotSupportedException($"no schema mapping for {type}");
    }
}
