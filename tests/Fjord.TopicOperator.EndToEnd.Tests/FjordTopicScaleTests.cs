using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Xunit.Abstractions;

namespace Fjord.TopicOperator.EndToEnd.Tests;

/// <summary>
/// Many FjordTopics on one cluster (FJORD_TOPIC_SCALE, default 1,000) created with one kubectl call: prints how long
/// kubectl took and how long until every one was Ready, and checks Kafka has every topic. On its own environment, so
/// the other tests' resyncs do not share the operator with a thousand topics.
/// </summary>
[Collection(KubeLocalCluster.Collection)]
public sealed class FjordTopicScaleTests : IClassFixture<TopicOperatorEnvironment>
{
    private readonly TopicOperatorEnvironment _env;
    private readonly ITestOutputHelper _output;

    public FjordTopicScaleTests(TopicOperatorEnvironment env, ITestOutputHelper output)
    {
        _env = env;
        _output = output;
    }

    private static int Count =>
        int.TryParse(Environment.GetEnvironmentVariable("FJORD_TOPIC_SCALE"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 1000;

    [Fact]
    public void ManyTopics_AllBecomeReady()
    {
        var count = Count;
        var manifests = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            manifests.Append("---\n").Append(TopicOperatorEnvironment.TopicManifest($"bulk-{i:D4}", 1));
        }

        var started = Stopwatch.GetTimestamp();
        _env.Server.MustKubectlWithInput(manifests.ToString(), "create", "-f", "-");
        var created = Stopwatch.GetElapsedTime(started);
        var ready = 0;
        Eventually.True(() => (ready = ReadyCount()) == count, TimeSpan.FromMinutes(10),
            () => $"{count} FjordTopics Ready; {ready} are\n--- operator\n{_env.Operator.Output}");
        var total = Stopwatch.GetElapsedTime(started);

        _output.WriteLine($"{count} FjordTopics: kubectl create {created.TotalSeconds:F1} s, all Ready {total.TotalSeconds:F1} s after the create began " +
            $"({(total - created).TotalSeconds:F1} s after it returned)");
        using var admin = _env.Admin();
        var topics = admin.GetMetadata(TimeSpan.FromSeconds(30)).Topics.Select(t => t.Topic).ToHashSet(StringComparer.Ordinal);
        Assert.All(Enumerable.Range(0, count), i => Assert.Contains($"bulk-{i:D4}", topics));
    }

    private int ReadyCount()
    {
        var json = _env.Server.MustKubectl("get", "fjordtopics", "-o", "json");
        return JsonDocument.Parse(json).RootElement.GetProperty("items").EnumerateArray()
            .Count(t => TopicOperatorEnvironment.CurrentReady(t) is { } r && r.GetProperty("status").GetString() == "True");
    }
}
