using System.Text.Json.Nodes;
using Fjord.KubeLocal.Api;
using Fjord.KubeLocal.Selectors;

namespace Fjord.KubeLocal.Tests.Unit;

public sealed class SelectorTests
{
    private static readonly Dictionary<string, string> Labels = new() { ["app"] = "web", ["tier"] = "front" };

    [Theory]
    [InlineData("app=web", true)]
    [InlineData("app==web,tier=front", true)]
    [InlineData("app!=web", false)]
    [InlineData("missing!=x", true)]
    [InlineData("app in (web, db)", true)]
    [InlineData("app notin (web)", false)]
    [InlineData("missing notin (web)", true)]
    [InlineData("tier", true)]
    [InlineData("!tier", false)]
    [InlineData("!missing,app in (web),tier", true)]
    [InlineData("app=db", false)]
    public void LabelSelector_Parse_MatchesLikeApimachinery(string selector, bool matches) =>
        Assert.Equal(matches, LabelSelector.Parse(selector).Matches(Labels));

    [Fact]
    public void LabelSelector_FromObject_CombinesMatchLabelsAndExpressions()
    {
        var selector = LabelSelector.FromObject(JsonNode.Parse("""{"matchLabels":{"app":"web"},"matchExpressions":[{"key":"tier","operator":"In","values":["back"]}]}"""));
        Assert.False(selector.Matches(Labels));
        Assert.True(selector.Matches(new Dictionary<string, string> { ["app"] = "web", ["tier"] = "back" }));
    }

    [Fact]
    public void LabelSelector_BadKey_Is400()
    {
        var error = Assert.Throws<KubeApiException>(() => LabelSelector.Parse("a b=c"));
        Assert.Equal(400, error.Code);
    }

    [Fact]
    public void FieldSelector_SupportsNameNamespaceAndEventFields_RejectsOthers()
    {
        var evt = JsonNode.Parse("""{"metadata":{"name":"e1","namespace":"ns"},"involvedObject":{"kind":"Pod","name":"p1"},"reason":"Started","type":"Normal"}""")!.AsObject();
        Assert.True(FieldSelector.Parse("involvedObject.name=p1,involvedObject.kind=Pod,metadata.namespace=ns", "events").Matches(evt));
        Assert.False(FieldSelector.Parse("involvedObject.name!=p1", "events").Matches(evt));
        Assert.True(FieldSelector.Parse("regarding.name=p1", "events").Matches(evt));
        Assert.Equal(400, Assert.Throws<KubeApiException>(() => FieldSelector.Parse("spec.nodeName=n1", "configmaps")).Code);
        var pod = JsonNode.Parse("""{"metadata":{"name":"p"},"spec":{}}""")!.AsObject();
        Assert.True(FieldSelector.Parse("spec.nodeName=", "pods").Matches(pod));
    }
}
