using System.Text.RegularExpressions;
using Fjord.KubeLocal.Api;
using Fjord.KubeLocal.Resources;

namespace Fjord.KubeLocal.Semantics;

/// <summary>
/// Object name rules (apimachinery validation): most kinds need a DNS-1123 subdomain; namespaces and services a
/// DNS-1123 label (services also must start with a letter, RFC 1035). A bad name is 422 Invalid.
/// </summary>
public static partial class NameValidation
{
    public static void Check(ResourceType type, string name)
    {
        string? problem = type.StorageKey switch
        {
            "namespaces" when !Label().IsMatch(name) || name.Length > 63 =>
                "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
            "services" when !Rfc1035Label().IsMatch(name) || name.Length > 63 =>
                "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
            _ when type.StorageKey.StartsWith("rbac.", StringComparison.Ordinal) => name.Contains('/') || name is "." or ".." ? "may not contain '/'" : null,
            _ when !Subdomain().IsMatch(name) || name.Length > 253 =>
                "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
            _ => null,
        };
        if (problem is not null)
        {
            throw KubeApiException.Invalid(type.Kind, type.Group, name, [("metadata.name", $"Invalid value: \"{name}\": {problem}")]);
        }
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Label();

    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Rfc1035Label();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Subdomain();
}
