using System.Text.Json.Nodes;
using Fjord.KubeLocal.Schema;

namespace Fjord.KubeLocal.Tests.Unit;

public sealed class CelSubsetTests
{
    private static readonly JsonNode Self = JsonNode.Parse("""{"replicas":3,"controllers":1,"name":"abc","tags":["a","b"],"mode":"fast","ratio":0.5}""")!;

    [Theory]
    [InlineData("self.controllers <= self.replicas", true)]
    [InlineData("self.controllers > self.replicas", false)]
    [InlineData("has(self.name) && size(self.name) == 3", true)]
    [InlineData("has(self.missing)", false)]
    [InlineData("!has(self.missing) || self.missing > 1", true)]
    [InlineData("self.tags.size() == 2 && 'a' in self.tags", true)]
    [InlineData("self.mode in ['fast', 'safe']", true)]
    [InlineData("self.replicas % 2 == 1 && self.replicas * 2 - 1 == 5", true)]
    [InlineData("self.ratio < 1.0", true)]
    [InlineData("self.replicas > 2 ? self.controllers == 1 : true", true)]
    [InlineData("self.tags[1] == \"b\"", true)]
    public void Evaluate_UnderstoodRules(string rule, bool expected) =>
        Assert.Equal(expected, CelSubset.Evaluate(rule, Self, null, hasOld: false));

    [Theory]
    [InlineData("self.missing > 1")]
    [InlineData("self.name.matches('^a')")]
    [InlineData("self.all(x, x > 0)")]
    [InlineData("self.replicas == oldSelf.replicas")]
    public void Evaluate_UnsupportedOrMissing_IsSkipped(string rule) =>
        Assert.Null(CelSubset.Evaluate(rule, Self, null, hasOld: false));

    [Fact]
    public void Evaluate_TransitionRule_UsesOldSelfOnUpdate()
    {
        var old = JsonNode.Parse("""{"replicas":2}""");
        Assert.False(CelSubset.Evaluate("self.replicas == oldSelf.replicas", Self, old, hasOld: true));
        Assert.True(CelSubset.Evaluate("self.replicas >= oldSelf.replicas", Self, old, hasOld: true));
    }

    [Fact]
    public void StructuralSchema_ReportsAFailedRuleWithItsMessage()
    {
        var schema = JsonNode.Parse("""
            {"type":"object","properties":{"spec":{"type":"object","properties":{"replicas":{"type":"integer"},"controllers":{"type":"integer"}},
             "x-kubernetes-validations":[{"rule":"self.controllers <= self.replicas","message":"controllers must not exceed replicas"}]}}}
            """)!;
        var obj = JsonNode.Parse("""{"apiVersion":"x/v1","kind":"X","metadata":{"name":"n"},"spec":{"replicas":1,"controllers":3}}""")!.AsObject();
        var errors = StructuralSchema.Process(schema, obj, "Strict", []);
        Assert.Equal([("spec", "Invalid value: \"object\": controllers must not exceed replicas")], errors);
    }
}
