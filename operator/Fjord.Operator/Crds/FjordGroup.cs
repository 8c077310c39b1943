namespace Fjord.Operator.Crds;

/// <summary>The API group and version every Fjord custom resource belongs to.</summary>
public static class FjordGroup
{
    public const string Name = "fjord.dev";
    public const string Version = "v1alpha1";
    public const string ApiVersion = Name + "/" + Version;
}
