using Fjord.KubeLocal.Node.Workloads;
using k8s.Models;

namespace Fjord.KubeLocal.Node.Tests.Planners;

public class WorkloadHelpersTests
{
    [Theory]
    [InlineData("25%", 3, true, 1)]
    [InlineData("25%", 3, false, 0)]
    [InlineData("50%", 5, true, 3)]
    [InlineData("2", 10, false, 2)]
    [InlineData(null, 10, false, 7)]
    public void IntOrPercent_ScalesPercentagesWithTheRequestedRounding(string? value, int total, bool roundUp, int expected) =>
        Assert.Equal(expected, IntOrPercent.Resolve(value, total, roundUp, fallback: 7));

    [Fact]
    public void LabelSelector_MatchesLabelsAndEveryExpressionOperator()
    {
        var labels = new Dictionary<string, string> { ["app"] = "fjord", ["tier"] = "broker" };
        V1LabelSelector Selector(string op, params string[] values) => new()
        {
            MatchLabels = new Dictionary<string, string> { ["app"] = "fjord" },
            MatchExpressions = [new V1LabelSelectorRequirement { Key = "tier", OperatorProperty = op, Values = values }],
        };

        Assert.True(LabelSelectorMatch.Matches(Selector("In", "broker", "x"), labels));
        Assert.False(LabelSelectorMatch.Matches(Selector("NotIn", "broker"), labels));
        Assert.True(LabelSelectorMatch.Matches(Selector("Exists"), labels));
        Assert.False(LabelSelectorMatch.Matches(Selector("DoesNotExist"), labels));
        Assert.False(LabelSelectorMatch.Matches(new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "other" } }, labels));
        Assert.True(LabelSelectorMatch.Matches(new V1LabelSelector(), labels));
        Assert.False(LabelSelectorMatch.Matches(null, labels));
    }
}
