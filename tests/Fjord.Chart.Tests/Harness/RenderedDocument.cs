using System.Text.Json.Nodes;

namespace Fjord.Chart.Tests.Harness;

/// <summary>One object of a rendered manifest, as the JSON the API server would read. Immutable after parsing.</summary>
public sealed record RenderedDocument(string Source, JsonObject Json)
{
    public string ApiVersion => (string)Json["apiVersion"]!;

    public string Kind => (string)Json["kind"]!;

    public string Name => (string)Json["metadata"]!["name"]!;

    public string? Namespace => (string?)Json["metadata"]!["namespace"];

    public string? Annotation(string key) => (string?)Json["metadata"]!["annotations"]?[key];

    public string? Label(string key) => (string?)Json["metadata"]!["labels"]?[key];

    public override string ToString() => $"{Kind}/{Name} from {Source}";
}
