using System.Globalization;
using System.Text.Json;
using Fjord.KubeLocal.Node.Network;
using Fjord.KubeLocal.Node.Tests.Network;

namespace Fjord.KubeLocal.Node.Tests.EndToEnd;

/// <summary>
/// Network-namespace mode with the real kubectl against fresh kube-local processes (<c>--pod-network netns</c>, so a
/// host that cannot do it fails instead of falling back): two StatefulSet pods each serve HTTP on 0.0.0.0:8080 in
/// their own namespace, and are reached from the host by pod IP (and by the kubelet's httpGet readiness probe), from
/// each other by pod DNS name, and reach the API server through the kubeconfig the node gives them; deleting a pod
/// removes its namespace and veth, and stopping the node leaves nothing of its pod network behind.
/// </summary>
[Collection(KubeLocalCluster.Collection)]
public sealed class PodNetworkEndToEndTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    private readonly KubeLocalCluster _cluster = new("netns");
    private readonly PodNetworkNames _names;

    public PodNetworkEndToEndTests() => _names = PodNetworkNames.For(_cluster.Server.StateDirectory);

    public void Dispose() => _cluster.Dispose();

    // Each pod binds 0.0.0.0:8080 (possible only with a network of its own), then asks its peer for its name by DNS
    // and the API server for its own pod through $KUBECONFIG's server, and logs both answers.
    private string Manifest => $$$"""
        apiVersion: v1
        kind: Service
        metadata:
          name: web
        spec:
          clusterIP: None
          publishNotReadyAddresses: true
          selector: {app: web}
          ports: [{name: http, port: 8080}]
        ---
        apiVersion: apps/v1
        kind: StatefulSet
        metadata:
          name: web
        spec:
          serviceName: web
          replicas: 2
          podManagementPolicy: Parallel
          selector:
            matchLabels: {app: web}
          template:
            metadata:
              labels: {app: web}
            spec:
              terminationGracePeriodSeconds: 2
              containers:
              - name: main
                image: busybox:1.36
                command:
                - sh
                - -c
                - |
                  mkdir -p $WWW && echo $HOSTNAME > $WWW/name
                  python3 -m http.server 8080 --directory $WWW >/dev/null 2>&1 &
                  case $HOSTNAME in web-0) peer=web-1;; *) peer=web-0;; esac
                  get() { python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=2).read().decode().strip())' "$1" 2>/dev/null; }
                  until answer=$(get http://$peer.web:8080/name); do sleep 0.2; done
                  echo "peer $peer.web at $(getent hosts $peer.web | cut -d' ' -f1) says $answer"
                  started=$(date +%s%N); getent hosts gone-0.web.default.svc >/dev/null; ended=$(date +%s%N)
                  echo "resolver $(grep -c '^nameserver 127.0.0.1$' /etc/resolv.conf): a missing name failed in $(( (ended - started) / 1000000 )) ms"
                  api=$(sed -n 's/^ *server: *//p' $KUBECONFIG)
                  get $api/api/v1/namespaces/default/pods/$HOSTNAME | grep -o '"podIP":"[^"]*"' | sed 's/^/api says /'
                  trap 'exit 0' TERM; while true; do sleep 0.2; done # {{{_cluster.Marker}}}
                env:
                - {name: WWW, value: /www}
                readinessProbe:
                  httpGet: {path: /name, port: 8080}
                  periodSeconds: 1
                volumeMounts:
                - {name: www, mountPath: /www}
              volumes:
              - {name: www, emptyDir: {}}
        """;

    [PodNetworkNamespacesFact]
    public void Pods_ListenOnOnePort_AndReachTheHostEachOtherAndTheApiServer()
    {
        var server = _cluster.Server;
        server.MustKubectlWithInput(Manifest, "apply", "-f", "-");
        server.MustKubectl("rollout", "status", "statefulset/web", "--timeout=120s");
        var ips = new Dictionary<string, string>();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        foreach (var pod in new[] { "web-0", "web-1" })
        {
            var json = JsonDocument.Parse(server.MustKubectl("get", "pod", pod, "-o", "json")).RootElement;
            var status = json.GetProperty("status");
            var ip = status.GetProperty("podIP").GetString()!;
            ips[pod] = ip;
            var subnet = Ipv4Prefix.Parse($"{status.GetProperty("hostIP").GetString()}/24");
            Assert.True(subnet.Contains(System.Net.IPAddress.Parse(ip)), $"{pod} at {ip} is in the bridge's subnet {subnet}");
            Assert.Equal(ip, status.GetProperty("podIPs")[0].GetProperty("ip").GetString());
            Assert.Equal(pod, http.GetStringAsync($"http://{ip}:8080/name").GetAwaiter().GetResult().Trim());
            var pid = int.Parse(status.GetProperty("containerStatuses")[0].GetProperty("containerID").GetString()!["kube-local://".Length..], CultureInfo.InvariantCulture);
            Assert.NotEqual(NetworkNamespaceOf(Environment.ProcessId), NetworkNamespaceOf(pid));
            Assert.Contains(_names.Namespace(System.Net.IPAddress.Parse(ip)), Ip("netns", "list"));
        }
        Assert.NotEqual(ips["web-0"], ips["web-1"]);

        foreach (var (pod, peer) in new[] { ("web-0", "web-1"), ("web-1", "web-0") })
        {
            string log = "";
            Eventually.True(() =>
            {
                log = server.Kubectl("logs", pod).StandardOutput;
                return log.Contains("api says", StringComparison.Ordinal);
            }, Timeout, () => $"{pod} never reached its peer and the API server; its log:\n{log}\n--- node\n{_cluster.NodeOutput}");
            Assert.Contains($"peer {peer}.web at {ips[peer]} says {peer}", log);
            Assert.Contains($"api says \"podIP\":\"{ips[pod]}\"", log);
            // Lookups of names the cluster does not know fail at once, as cluster DNS answers them, instead of waiting
            // for the host's name server that a pod cannot reach; the host's own resolv.conf is untouched.
            Assert.Contains("resolver 1: a missing name failed in", log);
            Assert.DoesNotContain("kube-local", File.ReadAllText("/etc/resolv.conf"));
            Console.WriteLine($"{pod}: {log.Trim().Replace('\n', '|')}");
        }
    }

    [PodNetworkNamespacesFact]
    public void DeletedPodsAndAStoppedNode_LeaveNoNamespaceOrVethBehind()
    {
        var server = _cluster.Server;
        server.MustKubectlWithInput(Manifest, "apply", "-f", "-");
        server.MustKubectl("rollout", "status", "statefulset/web", "--timeout=120s");
        var ip = System.Net.IPAddress.Parse(server.MustKubectl("get", "pod", "web-1", "-o", "jsonpath={.status.podIP}").Trim());
        var subnet = Ipv4Prefix.Parse(server.MustKubectl("get", "pod", "web-1", "-o", "jsonpath={.status.hostIP}").Trim() + "/24");
        Assert.Contains(_names.Namespace(ip), Ip("netns", "list"));
        Assert.Contains(_names.HostVeth(subnet, ip) + "@", Ip("-o", "link", "show"));

        server.MustKubectl("scale", "statefulset", "web", "--replicas=1");
        Eventually.True(() => _cluster.Pods("app=web").Count == 1, Timeout, () => $"web-1 deleted\n{_cluster.NodeOutput}");
        Assert.DoesNotContain(_names.Namespace(ip), Ip("netns", "list"));
        Assert.DoesNotContain(_names.HostVeth(subnet, ip) + "@", Ip("-o", "link", "show"));
        Assert.Contains(_names.Bridge, Ip("-o", "link", "show"));

        Assert.Equal(0, _cluster.StopNode());
        Assert.DoesNotContain(_names.NamespacePrefix, Ip("netns", "list"));
        Assert.DoesNotContain(_names.LinkPrefix, Ip("-o", "link", "show"));
        Assert.Empty(_cluster.MarkedProcesses());
    }

    private static string NetworkNamespaceOf(int pid) => new FileInfo($"/proc/{pid}/ns/net").LinkTarget!;

    private static string Ip(params string[] args) => ExternalCommand.Run("ip", args).StandardOutput;
}
