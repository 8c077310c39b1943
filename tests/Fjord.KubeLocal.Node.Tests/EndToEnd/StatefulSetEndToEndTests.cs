using System.Text.Json;

namespace Fjord.KubeLocal.Node.Tests.EndToEnd;

/// <summary>
/// A StatefulSet of busybox-style pods through the real kubectl against fresh kube-local and kube-local-node
/// processes: apply, wait for Ready, scale 3 → 5 → 2 in order, roll from the highest ordinal, logs, claims that
/// outlive their pods, delete --wait. The order is checked on every state polled from the API while it happens.
/// </summary>
[Collection(KubeLocalCluster.Collection)]
public sealed class StatefulSetEndToEndTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    private readonly KubeLocalCluster _cluster = new();

    public void Dispose() => _cluster.Dispose();

    private string Manifest(string greeting) => $$$$"""
        apiVersion: apps/v1
        kind: StatefulSet
        metadata:
          name: web
        spec:
          serviceName: web
          replicas: 3
          selector:
            matchLabels: {app: web}
          template:
            metadata:
              labels: {app: web}
            spec:
              terminationGracePeriodSeconds: 10
              containers:
              - name: main
                image: busybox:1.36
                command: ["sh", "-c", "echo {{{{greeting}}}} from $POD_NAME at $POD_IP; echo $POD_NAME >> $DATA/names; trap 'echo stopping; exit 0' TERM; sleep 0.3; touch $SCRATCH/ready; while true; do sleep 0.2; done # {{{{_cluster.Marker}}}}"]
                env:
                - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
                - {name: POD_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
                - {name: DATA, value: /var/lib/web}
                - {name: SCRATCH, value: /scratch}
                readinessProbe:
                  exec: {command: ["sh", "-c", "test -f $SCRATCH/ready"]}
                  periodSeconds: 1
                volumeMounts:
                - {name: data, mountPath: /var/lib/web}
                - {name: scratch, mountPath: /scratch}
              volumes:
              - {name: scratch, emptyDir: {}}
          volumeClaimTemplates:
          - metadata: {name: data}
            spec:
              accessModes: [ReadWriteOnce]
              resources: {requests: {storage: 1Gi}}
        """;

    private static int Ordinal(JsonElement pod) => int.Parse(KubeLocalCluster.Name(pod)["web-".Length..], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Polls pods until <paramref name="done"/>, checking <paramref name="invariant"/> on every state seen.</summary>
    private List<string> Observe(Func<List<JsonElement>, bool> done, Func<List<JsonElement>, string?> invariant, string what)
    {
        var seen = new List<string>();
        Eventually.True(() =>
        {
            var pods = _cluster.Pods("app=web").OrderBy(Ordinal).ToList();
            var state = string.Join(' ', pods.Select(p => $"{KubeLocalCluster.Name(p)}{(KubeLocalCluster.IsReady(p) ? "+" : "")}{(KubeLocalCluster.IsTerminating(p) ? "~" : "")}"));
            if (seen.Count == 0 || seen[^1] != state)
            {
                seen.Add(state);
            }
            var violation = invariant(pods);
            Assert.True(violation is null, $"{what}: {violation} in state [{state}]; states so far:\n{string.Join('\n', seen)}");
            return done(pods);
        }, Timeout, () => $"{what}; states seen:\n{string.Join('\n', seen)}\n--- node\n{_cluster.NodeOutput}");
        Console.WriteLine($"{what}: {string.Join(" | ", seen)}");
        return seen;
    }

    /// <summary>OrderedReady: the pods present are always ordinals 0..k, and only the highest may be unready.</summary>
    private static string? Ordered(List<JsonElement> pods)
    {
        var ordinals = pods.Select(Ordinal).ToList();
        if (!ordinals.SequenceEqual(Enumerable.Range(0, ordinals.Count)))
        {
            return "ordinals are not a prefix";
        }
        var unready = pods.Where(p => !KubeLocalCluster.IsReady(p) || KubeLocalCluster.IsTerminating(p)).Select(Ordinal).ToList();
        return unready.Count > 1 || (unready.Count == 1 && unready[0] != ordinals.Max()) ? "a pod below the highest is not ready" : null;
    }

    [Fact]
    public void StatefulSet_AppliedScaledRolledAndDeleted_WithTheRealKubectl()
    {
        var server = _cluster.Server;
        server.MustKubectlWithInput(Manifest("hello"), "apply", "-f", "-");

        Observe(pods => pods.Count == 3 && pods.All(KubeLocalCluster.IsReady), Ordered, "create 3");
        var waited = server.MustKubectl("wait", "--for=condition=Ready", "pod/web-0", "pod/web-1", "pod/web-2", "--timeout=60s");
        Assert.Contains("pod/web-2 condition met", waited);
        var ips = _cluster.Pods("app=web").Select(p => p.GetProperty("status").GetProperty("podIP").GetString()).ToList();
        Assert.Equal(3, ips.Distinct().Count());
        Assert.All(ips, ip => Assert.StartsWith(_cluster.PodIpPrefix, ip));

        server.MustKubectl("scale", "statefulset", "web", "--replicas=5");
        Observe(pods => pods.Count == 5 && pods.All(KubeLocalCluster.IsReady), Ordered, "scale 3 -> 5");

        server.MustKubectl("scale", "statefulset", "web", "--replicas=2");
        Observe(pods => pods.Count == 2 && pods.All(p => !KubeLocalCluster.IsTerminating(p)), Ordered, "scale 5 -> 2");
        Assert.Contains("data-web-4", server.MustKubectl("get", "pvc", "-o", "name"));
        Assert.Contains("web-4", File.ReadAllText(Path.Combine(server.StateDirectory, "volumes", "default", "data-web-4", "names")));
        server.MustKubectl("scale", "statefulset", "web", "--replicas=3");
        Observe(pods => pods.Count == 3 && pods.All(KubeLocalCluster.IsReady), Ordered, "scale 2 -> 3");

        var oldRevision = KubeLocalCluster.Label(_cluster.Pods("app=web")[0], "controller-revision-hash");
        server.MustKubectl("patch", "statefulset", "web", "--type", "merge", "-p", "{\"spec\":{\"template\":{\"metadata\":{\"annotations\":{\"roll\":\"2\"}}}}}");
        Observe(
            pods => pods.Count == 3 && pods.All(p => KubeLocalCluster.IsReady(p) && KubeLocalCluster.Label(p, "controller-revision-hash") != oldRevision),
            pods =>
            {
                // Highest ordinal first: the updated pods are always a suffix of the ordinals.
                var updated = pods.OrderBy(Ordinal).Select(p => KubeLocalCluster.Label(p, "controller-revision-hash") != oldRevision).ToList();
                return updated.SkipWhile(u => !u).All(u => u) ? null : "a lower ordinal was updated before a higher one";
            },
            "rolling update");
        Assert.Contains("partitioned roll out complete", server.MustKubectl("rollout", "status", "statefulset/web", "--timeout=60s"));
        var status = JsonDocument.Parse(server.MustKubectl("get", "statefulset", "web", "-o", "json")).RootElement.GetProperty("status");
        Assert.Equal(status.GetProperty("updateRevision").GetString(), status.GetProperty("currentRevision").GetString());
        Assert.Equal(3, status.GetProperty("updatedReplicas").GetInt32());
        var history = server.MustKubectl("rollout", "history", "statefulset/web");
        Assert.Matches(@"(?m)^1\s", history);
        Assert.Matches(@"(?m)^2\s", history);

        var logs = server.MustKubectl("logs", "web-1");
        Assert.Matches($@"hello from web-1 at {System.Text.RegularExpressions.Regex.Escape(_cluster.PodIpPrefix)}\d+\.\d+", logs);
        Assert.Contains("web-1\n", File.ReadAllText(Path.Combine(server.StateDirectory, "volumes", "default", "data-web-1", "names")));

        server.MustKubectl("delete", "statefulset", "web", "--wait", "--timeout=60s");
        Eventually.True(() => _cluster.Pods("app=web").Count == 0, Timeout, () => $"pods not deleted:\n{_cluster.NodeOutput}");
        Eventually.True(() => _cluster.MarkedProcesses().Count == 0, Timeout, "pod processes to exit");
        var claims = server.MustKubectl("get", "pvc", "-o", "name");
        Assert.Equal(5, claims.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }
}
