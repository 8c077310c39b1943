using System.Text.Json.Nodes;

namespace Fjord.KubeLocal.Resources;

/// <summary>
/// One served resource of one group-version: what discovery lists and what the store keys objects by.
/// <see cref="StorageKey"/> is shared by views of one store (core/v1 and events.k8s.io/v1 Events; every version of a CRD).
/// </summary>
public sealed record ResourceType(
    string Group,
    string Version,
    string Plural,
    string Singular,
    string Kind,
    bool Namespaced,
    string[] ShortNames,
    string[] Categories,
    string[] Subresources,
    bool HasGeneration,
    string StorageKey)
{
    /// <summary>The CRD this type comes from, or null for a built-in.</summary>
    public JsonObject? Definition { get; init; }

    /// <summary>The version's openAPIV3Schema for custom resources.</summary>
    public JsonNode? Schema { get; init; }

    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    public string ListKind => Kind + "List";

    public bool IsCustom => Definition is not null;

    public bool HasStatus => Subresources.Contains("status");

    public bool HasScale => Subresources.Contains("scale");

    public string GroupResource => Group.Length == 0 ? Plural : $"{Plural}.{Group}";
}
