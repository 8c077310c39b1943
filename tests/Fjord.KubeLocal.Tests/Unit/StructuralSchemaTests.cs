using System.Text.Json.Nodes;
using Fjord.KubeLocal.Api;
using Fjord.KubeLocal.Schema;

namespace Fjord.KubeLocal.Tests.Unit;

public sealed class StructuralSchemaTests
{
    private static readonly JsonNode Schema = JsonNode.Parse("""
        {"type":"object","properties":{
          "spec":{"type":"object","required":["name"],"properties":{
            "name":{"type":"string","pattern":"^[a-z]+$","maxLength":5},
            "mode":{"type":"string","enum":["a","b"],"default":"a"},
            "size":{"type":"integer","minimum":1,"maximum":3,"default":1},
            "ratio":{"type":"number"},
            "port":{"x-kubernetes-int-or-string":true},
            "items":{"type":"array","maxItems":2,"items":{"type":"object","properties":{"k":{"type":"string","default":"d"}}}},
            "free":{"type":"object","x-kubernetes-preserve-unknown-fields":true},
            "labels":{"type":"object","additionalProperties":{"type":"string"}}}},
          "status":{"type":"object","properties":{"ready":{"type":"boolean"}}}}}
        """)!;

    private static JsonObject Obj(string spec) => JsonNode.Parse($$"""{"apiVersion":"x/v1","kind":"X","metadata":{"name":"n"},"spec":{{spec}}}""")!.AsObject();

    [Fact]
    public void Process_PrunesUnknown_KeepsPreserved_AndDefaultsNested()
    {
        var obj = Obj("""{"name":"ab","extra":1,"free":{"anything":{"x":1}},"items":[{}],"labels":{"a":"b"},"port":"http"}""");
        var warnings = new List<string>();
        Assert.Empty(StructuralSchema.Process(Schema, obj, "Warn", warnings));
        Assert.Equal(["unknown field \"spec.extra\""], warnings);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"name":"ab","free":{"anything":{"x":1}},"items":[{"k":"d"}],"labels":{"a":"b"},"port":"http","mode":"a","size":1}"""), obj["spec"]));
    }

    [Fact]
    public void Process_Strict_RejectsUnknownFieldsWith400()
    {
        var error = Assert.Throws<KubeApiException>(() => StructuralSchema.Process(Schema, Obj("""{"name":"ab","extra":1}"""), "Strict", []));
        Assert.Equal(400, error.Code);
        Assert.Contains("unknown field \"spec.extra\"", error.Message);
    }

    [Fact]
    public void Process_Ignore_PrunesSilently()
    {
        var warnings = new List<string>();
        var obj = Obj("""{"name":"ab","extra":1}""");
        Assert.Empty(StructuralSchema.Process(Schema, obj, "Ignore", warnings));
        Assert.Empty(warnings);
        Assert.Null(obj["spec"]!["extra"]);
    }

    [Theory]
    [InlineData("""{"mode":"a"}""", "spec.name", "Required value")]
    [InlineData("""{"name":"AB"}""", "spec.name", "should match")]
    [InlineData("""{"name":"abcdefg"}""", "spec.name", "Too many")]
    [InlineData("""{"name":"ab","mode":"c"}""", "spec.mode", "Unsupported value")]
    [InlineData("""{"name":"ab","size":0}""", "spec.size", "greater than or equal to 1")]
    [InlineData("""{"name":"ab","size":4}""", "spec.size", "less than or equal to 3")]
    [InlineData("""{"name":"ab","size":"big"}""", "spec.size", "must be of type integer")]
    [InlineData("""{"name":"ab","ratio":true}""", "spec.ratio", "must be of type number")]
    [InlineData("""{"name":"ab","port":1.5}""", "spec.port", "integer or string")]
    [InlineData("""{"name":"ab","items":[{},{},{}]}""", "spec.items", "must have at most 2")]
    public void Process_InvalidValues_AreReportedPerField(string spec, string field, string message)
    {
        var errors = StructuralSchema.Process(Schema, Obj(spec), "Warn", []);
        Assert.Contains(errors, e => e.Field == field && e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Process_NullInNonNullableField_IsPrunedThenDefaulted()
    {
        var obj = Obj("""{"name":"ab","mode":null}""");
        Assert.Empty(StructuralSchema.Process(Schema, obj, "Strict", []));
        Assert.Equal("a", obj["spec"]!["mode"]!.GetValue<string>());
    }
}
