namespace Fjord.Operator.Crds;

/// <summary>
/// Marks a property whose schema is a free-form object (<c>x-kubernetes-preserve-unknown-fields</c>): broker and topic
/// configs, whose values users write as YAML strings, numbers or booleans.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class PreserveUnknownFieldsAttribute : Attribute;
