using Fjord.KubeLocal.Resources;

namespace Fjord.KubeLocal.Api;

/// <summary>A resource URL resolved against the catalog: <c>/apis/g/v/namespaces/ns/plural/name/sub</c>.</summary>
public sealed record RequestTarget(ResourceType Type, string? Namespace, string? Name, string? Subresource);
