using Fjord.KubeLocal.Node.Dns;
using k8s.Models;

namespace Fjord.KubeLocal.Node.Tests.Dns;

/// <summary>The cluster DNS records a namespace's pods see: Kubernetes' names, endpoint readiness, no search path.</summary>
public sealed class ClusterHostsFileTests
{
    private static V1Pod Pod(string name, string ip, bool ready = true, string ns = "kafka", string? subdomain = "brokers", string app = "broker", bool terminating = false) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = ns,
            Labels = new Dictionary<string, string> { ["app"] = app },
            DeletionTimestamp = terminating ? DateTime.UtcNow : null,
        },
        Spec = new V1PodSpec { Hostname = name, Subdomain = subdomain, Containers = [] },
        Status = new V1PodStatus
        {
            Phase = "Running",
            PodIP = ip,
            Conditions = [new V1PodCondition { Type = "Ready", Status = ready ? "True" : "False" }],
        },
    };

    private static V1Service Service(string name, bool headless = true, bool publishNotReady = false, string ns = "kafka", string app = "broker") => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new V1ServiceSpec
        {
            ClusterIP = headless ? "None" : "10.96.0.10",
            Selector = new Dictionary<string, string> { ["app"] = app },
            PublishNotReadyAddresses = publishNotReady,
        },
    };

    private static Dictionary<string, List<string>> Parse(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => !l.StartsWith('#'))
            .SelectMany(l =>
            {
                var words = l.Split(['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
                return words.Skip(1).Select(name => (name, ip: words[0]));
            })
            .GroupBy(e => e.name)
            .ToDictionary(g => g.Key, g => g.Select(e => e.ip).Order(StringComparer.Ordinal).ToList());

    [Fact]
    public void StatefulSetPods_ResolveByHostnameAndSubdomain_InEveryForm()
    {
        var names = Parse(ClusterHostsFile.Render("kafka", [Pod("c-0", "127.244.0.2"), Pod("c-1", "127.244.0.3")], [Service("brokers")]));

        Assert.Equal(["127.244.0.2"], names["c-0.brokers.kafka.svc.cluster.local"]);
        Assert.Equal(["127.244.0.2"], names["c-0.brokers.kafka.svc"]);
        Assert.Equal(["127.244.0.2"], names["c-0.brokers.kafka"]);
        Assert.Equal(["127.244.0.2"], names["c-0.brokers"]);
        Assert.Equal(["127.244.0.3"], names["c-1.brokers.kafka.svc.cluster.local"]);
        Assert.Equal(["127.244.0.2", "127.244.0.3"], names["brokers.kafka.svc.cluster.local"]);
        Assert.Equal(["127.244.0.2", "127.244.0.3"], names["brokers"]);
        Assert.Equal(["127.0.0.1", "::1"], names["localhost"]);
    }

    [Fact]
    public void ShortNames_AreOnlyInTheirOwnNamespacesFile()
    {
        var pods = new[] { Pod("c-0", "127.244.0.2") };
        var services = new[] { Service("brokers") };

        var other = Parse(ClusterHostsFile.Render("apps", pods, services));

        Assert.Equal(["127.244.0.2"], other["c-0.brokers.kafka.svc.cluster.local"]);
        Assert.Equal(["127.244.0.2"], other["brokers.kafka"]);
        Assert.False(other.ContainsKey("brokers"), "a bare Service name resolves only inside its namespace");
        Assert.False(other.ContainsKey("c-0.brokers"));
    }

    [Fact]
    public void NotReadyPods_AreLeftOut_UnlessTheServicePublishesNotReadyAddresses()
    {
        var pods = new[] { Pod("c-0", "127.244.0.2"), Pod("c-1", "127.244.0.3", ready: false) };

        var strict = Parse(ClusterHostsFile.Render("kafka", pods, [Service("brokers")]));
        var published = Parse(ClusterHostsFile.Render("kafka", pods, [Service("brokers", publishNotReady: true)]));

        Assert.False(strict.ContainsKey("c-1.brokers.kafka.svc"));
        Assert.Equal(["127.244.0.2"], strict["brokers.kafka.svc"]);
        Assert.Equal(["127.244.0.3"], published["c-1.brokers.kafka.svc"]);
        Assert.Equal(["127.244.0.2", "127.244.0.3"], published["brokers.kafka.svc"]);
    }

    [Fact]
    public void TerminatingPodsAndPodsWithoutAnAddress_AreNeverEndpoints()
    {
        var pods = new[] { Pod("c-0", "127.244.0.2", terminating: true), Pod("c-1", "") };

        var names = Parse(ClusterHostsFile.Render("kafka", pods, [Service("brokers", publishNotReady: true)]));

        Assert.Equal(["ip6-localhost", "ip6-loopback", "localhost"], names.Keys.Order(StringComparer.Ordinal).ToList());
    }

    [Fact]
    public void ClusterIpServices_AnswerWithTheirEndpoints_ButGiveNoPodRecords()
    {
        var names = Parse(ClusterHostsFile.Render("kafka", [Pod("c-0", "127.244.0.2", subdomain: "bootstrap")], [Service("bootstrap", headless: false)]));

        Assert.Equal(["127.244.0.2"], names["bootstrap.kafka.svc.cluster.local"]);
        Assert.False(names.ContainsKey("c-0.bootstrap.kafka.svc.cluster.local"), "pod records come only from a headless Service");
    }

    [Fact]
    public void PodsOfOtherApps_OrNamespaces_AreNotSelected()
    {
        var pods = new[] { Pod("web-0", "127.244.0.4", app: "web"), Pod("c-0", "127.244.0.5", ns: "other") };

        var names = Parse(ClusterHostsFile.Render("kafka", pods, [Service("brokers")]));

        Assert.False(names.ContainsKey("brokers.kafka.svc"));
    }
}
