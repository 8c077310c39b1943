using System.Text.Json.Nodes;
using Fjord.KubeLocal.Api;

namespace Fjord.KubeLocal.Tests.Unit;

public sealed class PrinterColumnPathTests
{
    private static readonly JsonObject Obj = JsonNode.Parse("""
        {"spec":{"name":"a","ports":[80,81]},"status":{"conditions":[{"type":"Ready","status":"True"},{"type":"Synced","status":"False"}]}}
        """)!.AsObject();

    [Theory]
    [InlineData(".spec.name", "a")]
    [InlineData(".spec.ports[1]", "81")]
    [InlineData(".spec.ports[*]", "80,81")]
    [InlineData(".status.conditions[?(@.type==\"Ready\")].status", "True")]
    [InlineData(".status.conditions[?(@.type=='Synced')].status", "False")]
    public void Evaluate_SupportsTheSubsetCrdsUse(string path, string expected) =>
        Assert.Equal(expected, PrinterColumnPath.Evaluate(Obj, path)!.ToString());

    [Fact]
    public void Evaluate_MissingPath_IsNull() => Assert.Null(PrinterColumnPath.Evaluate(Obj, ".status.missing"));
}
