using System.Text.Json.Nodes;
using Fjord.KubeLocal.Api;

namespace Fjord.Chart.Tests.Harness;

/// <summary>
/// Runs the pinned helm on <c>charts/fjord</c> (template, lint) and splits a rendered manifest into its objects.
/// Stateless; any thread.
/// </summary>
public static class ChartRenderer
{
    public static string ChartDirectory { get; } = Path.Combine(KubeTools.RepoRoot, "charts", "fjord");

    /// <summary><c>helm template fjord charts/fjord -n NAMESPACE ARGS</c>; fails the test unless helm exits 0.</summary>
    public static IReadOnlyList<RenderedDocument> Template(string ns, params string[] arguments) =>
        Split(MustHelm(["template", "fjord", ChartDirectory, "--namespace", ns, .. arguments]));

    public static ExternalCommand.Result Helm(params string[] arguments) =>
        ExternalCommand.Run(KubeTools.Helm, arguments, timeout: TimeSpan.FromMinutes(2));

    public static string MustHelm(params string[] arguments)
    {
        var result = Helm(arguments);
        Assert.True(result.ExitCode == 0, $"helm {string.Join(' ', arguments)} failed: {result}");
        return result.StandardOutput;
    }

    /// <summary>The objects of a multi-document manifest, each tagged with helm's <c># Source:</c> comment.</summary>
    public static IReadOnlyList<RenderedDocument> Split(string manifest)
    {
        var documents = new List<RenderedDocument>();
        foreach (var part in manifest.Split("\n---", StringSplitOptions.RemoveEmptyEntries))
        {
            var text = part.StartsWith("---", StringComparison.Ordinal) ? part[3..] : part;
            if (YamlBodies.Parse(text) is not JsonObject json)
            {
                continue;
            }
            var source = text.Split('\n').FirstOrDefault(l => l.StartsWith("# Source: ", StringComparison.Ordinal))?["# Source: ".Length..] ?? "";
            documents.Add(new RenderedDocument(source, json));
        }
        return documents;
    }
}
