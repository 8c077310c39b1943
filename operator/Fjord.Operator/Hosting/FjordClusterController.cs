using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Fjord.Operator.Crds;
using Fjord.Operator.DesiredState;
using Fjord.Operator.Reconciling;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Fjord.Operator.Hosting;

/// <summary>
/// The thin shell around <see cref="FjordClusterReconciler"/>: informers on FjordClusters and the objects they own feed
/// cluster keys into a <see cref="WorkQueue"/>; a worker gathers the observed state (caches + admin DescribeCluster),
/// asks the pure planner, and carries out its actions through the Kubernetes API (server-side apply) and the admin gRPC
/// service. One worker, so reconciles of one key never overlap. Owned by <see cref="OperatorService"/>.
/// </summary>
public sealed partial class FjordClusterController : IDisposable
{
    private const string FieldManager = "fjord-operator";
    private readonly Kubernetes _client;
    private readonly string? _namespace;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly AdminClusterClient _admin;
    private readonly KubernetesWriter _writer;
    private readonly OperatorMetrics _metrics;
    private readonly Informer<V1Alpha1FjordCluster> _clusters;
    private readonly Informer<V1StatefulSet> _statefulSets;
    private readonly Informer<V1Service> _services;
    private readonly Informer<V1ConfigMap> _configMaps;
    private readonly Informer<V1PodDisruptionBudget> _budgets;
    private readonly Informer<V1Pod> _pods;
    private ObservedCapabilities _capabilities = new(false);

    public FjordClusterController(Kubernetes client, string? ns, TimeProvider time, ILoggerFactory loggers, OperatorMetrics metrics, WorkQueue queue)
    {
        _client = client;
        _namespace = ns;
        _time = time;
        _logger = loggers.CreateLogger<FjordClusterController>();
        _admin = new AdminClusterClient(_logger);
        _writer = new KubernetesWriter(client, time);
        _metrics = metrics;
        Queue = queue;
        var informerLogger = loggers.CreateLogger("Fjord.Operator.Informer");
        var resync = TimeSpan.FromMinutes(5);
        var owned = $"?labelSelector={Uri.EscapeDataString($"{ClusterLabels.ManagedBy}={ClusterLabels.OperatorName}")}";
        _clusters = new(client, KubernetesPaths.Collection(V1Alpha1FjordCluster.KindName, ns), resync, time, informerLogger);
        _statefulSets = new(client, KubernetesPaths.Collection("StatefulSet", ns) + owned, resync, time, informerLogger);
        _services = new(client, KubernetesPaths.Collection("Service", ns) + owned, resync, time, informerLogger);
        _configMaps = new(client, KubernetesPaths.Collection("ConfigMap", ns) + owned, resync, time, informerLogger);
        _budgets = new(client, KubernetesPaths.Collection("PodDisruptionBudget", ns) + owned, resync, time, informerLogger);
        _pods = new(client, KubernetesPaths.Collection("Pod", ns) + owned, resync, time, informerLogger);
        _clusters.Changed += c => Queue.Add(ObjectKey.Of(c));
        _statefulSets.Changed += EnqueueOwner;
        _services.Changed += EnqueueOwner;
        _configMaps.Changed += EnqueueOwner;
        _budgets.Changed += EnqueueOwner;
        _pods.Changed += EnqueueOwner;
    }

    public WorkQueue Queue { get; }

    /// <summary>True once every informer has listed once: the readiness probe's answer.</summary>
    public bool Synced => new Task[] { _clusters.Synced, _statefulSets.Synced, _services.Synced, _configMaps.Synced, _budgets.Synced, _pods.Synced }
        .All(t => t.IsCompletedSuccessfully);

    public async Task RunAsync(CancellationToken cancel)
    {
        _capabilities = new ObservedCapabilities(await ExistsAsync("/apis/monitoring.coreos.com/v1", cancel));
        LogStarting(_logger, _namespace ?? "(all)", _capabilities.ServiceMonitorCrdExists);
        var informers = new[]
        {
            _clusters.RunAsync(cancel), _statefulSets.RunAsync(cancel), _services.RunAsync(cancel),
            _configMaps.RunAsync(cancel), _budgets.RunAsync(cancel), _pods.RunAsync(cancel),
        };
        try
        {
            while (!cancel.IsCancellationRequested)
            {
                var key = await Queue.TakeAsync(cancel);
                await ReconcileKeyAsync(key, cancel);
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            // Shutting down.
        }
        await Task.WhenAll(informers);
    }

    private void EnqueueOwner<T>(T obj) where T : IKubernetesObject<V1ObjectMeta>
    {
        if (obj.Metadata.Labels?.TryGetValue(ClusterLabels.Cluster, out var cluster) == true)
        {
            Queue.Add(ObjectKey.Of(obj.Metadata.NamespaceProperty, cluster));
        }
    }

    private async Task ReconcileKeyAsync(string key, CancellationToken cancel)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var cluster = _clusters.Get(key);
            if (cluster is null || cluster.Metadata.DeletionTimestamp is not null)
            {
                // Deleted: garbage collection removes what it owned through the owner references.
                Queue.Forget(key);
                _metrics.Reconciled(V1Alpha1FjordCluster.KindName, "gone", Stopwatch.GetElapsedTime(started));
                return;
            }
            var observed = await ObserveAsync(cluster, cancel);
            var plan = FjordClusterReconciler.Plan(observed);
            await ExecuteAsync(observed, plan, cancel);
            Queue.Forget(key);
            if (plan.RequeueAfter is { } after)
            {
                Queue.AddAfter(key, after);
            }
            LogReconciled(_logger, key, plan.Actions.Count, string.Join(",", plan.Actions.Select(Describe)));
            _metrics.Reconciled(V1Alpha1FjordCluster.KindName, "ok", Stopwatch.GetElapsedTime(started));
        }
        catch (Exception e) when (e is HttpRequestException or InvalidOperationException or IOException or Grpc.Core.RpcException or k8s.Autorest.HttpOperationException)
        {
            var delay = Queue.Retry(key);
            LogReconcileFailed(_logger, key, delay.TotalSeconds, e);
            _metrics.Reconciled(V1Alpha1FjordCluster.KindName, "error", Stopwatch.GetElapsedTime(started));
        }
        finally
        {
            Queue.Done(key);
        }
    }

    private static string Describe(ReconcileAction action) => action switch
    {
        ApplyObject a => $"apply {a.Kind}/{a.Name}",
        DeletePod d => $"delete pod/{d.Name}",
        ApplyDynamicConfigs c => $"configs set {string.Join(",", c.Set.Keys)} delete {string.Join(",", c.Delete)}",
        RecordEvent e => $"event {e.Reason}",
        UpdateClusterStatus => "status",
        _ => action.GetType().Name,
    };

    private async Task<ObservedCluster> ObserveAsync(V1Alpha1FjordCluster cluster, CancellationToken cancel)
    {
        var ns = cluster.Metadata.NamespaceProperty;
        var names = new ClusterNames(cluster.Metadata.Name, ns);
        var pods = _pods.Items
            .Where(p => p.Metadata.NamespaceProperty == ns && Label(p, ClusterLabels.Instance) == names.Cluster)
            .Select(p => (Pod: p, Ordinal: Ordinal(p, names)))
            .Where(p => p.Ordinal >= 0)
            .ToList();
        var addresses = pods.Where(p => !string.IsNullOrEmpty(p.Pod.Status?.PodIP))
            .ToDictionary(p => p.Ordinal, p => $"{p.Pod.Status.PodIP}:{BrokerPorts.Rpc}");
        var health = addresses.Count == 0 ? ObservedClusterHealth.Unreachable : await _admin.DescribeAsync(addresses,
            propose: cluster.Spec.Rebalance?.Mode == V1Alpha1FjordRebalance.ModeContinuous, cancel);
        var monitorExists = _capabilities.ServiceMonitorCrdExists
            && await ExistsAsync(KubernetesPaths.Item("ServiceMonitor", ns, names.ServiceMonitor), cancel);
        return new ObservedCluster(cluster, _capabilities,
            _configMaps.Get(ObjectKey.Of(ns, names.ConfigMap)),
            _services.Get(ObjectKey.Of(ns, names.HeadlessService)),
            _services.Get(ObjectKey.Of(ns, names.BootstrapService)),
            _statefulSets.Get(ObjectKey.Of(ns, names.StatefulSet)),
            _budgets.Get(ObjectKey.Of(ns, names.PodDisruptionBudget)),
            monitorExists,
            pods.Select(p => new ObservedPod(p.Pod.Metadata.Name, p.Ordinal,
                Ready: p.Pod.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true,
                Terminating: p.Pod.Metadata.DeletionTimestamp is not null,
                Revision: Label(p.Pod, "controller-revision-hash"),
                NotReadySince: p.Pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready" && c.Status != "True")?.LastTransitionTime is { } since
                    ? new DateTimeOffset(DateTime.SpecifyKind(since, DateTimeKind.Utc)) : null)).ToList(),
            health,
            _time.GetUtcNow());
    }

    private static string? Label(V1Pod pod, string key) =>
        pod.Metadata.Labels is { } labels && labels.TryGetValue(key, out var value) ? value : null;

    /// <summary>The pod's ordinal from its pod-index label, else from its name's suffix; -1 when neither fits.</summary>
    private static int Ordinal(V1Pod pod, ClusterNames names)
    {
        if (pod.Metadata.Labels?.TryGetValue(ClusterLabels.PodIndexLabel, out var index) == true
            && int.TryParse(index, NumberStyles.None, CultureInfo.InvariantCulture, out var fromLabel))
        {
            return fromLabel;
        }
        var prefix = names.StatefulSet + "-";
        return pod.Metadata.Name.StartsWith(prefix, StringComparison.Ordinal)
            && int.TryParse(pod.Metadata.Name.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var fromName)
            ? fromName
            : -1;
    }

    private async Task ExecuteAsync(ObservedCluster observed, ReconcilePlan plan, CancellationToken cancel)
    {
        var cluster = observed.Cluster;
        var ns = cluster.Metadata.NamespaceProperty;
        var addresses = observed.Pods.ToDictionary(p => p.Ordinal, p => _pods.Get(ObjectKey.Of(ns, p.Name))?.Status?.PodIP is { Length: > 0 } ip
            ? $"{ip}:{BrokerPorts.Rpc}" : "");
        foreach (var action in plan.Actions)
        {
            switch (action)
            {
                case ApplyObject apply:
                    await ApplyAsync(KubernetesPaths.Item(apply.Kind, ns, apply.Name), KubernetesJson.Serialize(apply.Object), cancel);
                    break;
                case DeletePod delete:
                    await SendAsync(HttpMethod.Delete, KubernetesPaths.Item("Pod", ns, delete.Name), null, null, cancel);
                    break;
                case UpdateClusterStatus update:
                    // Only identity and status: an apply on /status must not claim ownership of spec fields.
                    var body = new System.Text.Json.Nodes.JsonObject
                    {
                        ["apiVersion"] = FjordGroup.ApiVersion,
                        ["kind"] = V1Alpha1FjordCluster.KindName,
                        ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["name"] = cluster.Metadata.Name, ["namespace"] = ns },
                        ["status"] = System.Text.Json.Nodes.JsonNode.Parse(KubernetesJson.Serialize(update.Status)),
                    }.ToJsonString();
                    await ApplyAsync(KubernetesPaths.Item(V1Alpha1FjordCluster.KindName, ns, cluster.Metadata.Name) + "/status", body, cancel);
                    break;
                case RecordEvent recorded:
                    await RecordEventAsync(cluster, recorded, cancel);
                    break;
                case ExecuteBalance balance:
                    await _admin.ExecuteBalanceAsync(addresses, balance, cancel);
                    break;
                case UnregisterBroker unregister:
                    await _admin.UnregisterBrokerAsync(addresses, observed.Health.ControllerId, unregister.BrokerId, cancel);
                    break;
                case ElectPreferredLeaders:
                    await _admin.ElectPreferredLeadersAsync(addresses, cancel);
                    break;
                case ChangeVoter voter:
                    await _admin.ChangeVoterAsync(addresses, voter, cancel);
                    break;
                case ApplyDynamicConfigs configs:
                    await _admin.AlterClusterConfigsAsync(addresses, configs.Set, configs.Delete, cancel);
                    break;
                default:
                    throw new InvalidOperationException($"no executor for {action.GetType().Name}");
            }
        }
    }

    private Task ApplyAsync(string path, string json, CancellationToken cancel) =>
        SendAsync(HttpMethod.Patch, $"{path}?fieldManager={FieldManager}&force=true", json, "application/apply-patch+yaml", cancel);

    private Task RecordEventAsync(V1Alpha1FjordCluster cluster, RecordEvent recorded, CancellationToken cancel) =>
        _writer.RecordEventAsync(V1Alpha1FjordCluster.KindName, cluster.Metadata, recorded, cancel);

    private async Task<bool> ExistsAsync(string path, CancellationToken cancel)
    {
        using var response = await _client.HttpClient.GetAsync(new Uri(_client.BaseUri, path), cancel);
        return response.IsSuccessStatusCode;
    }

    private async Task SendAsync(HttpMethod method, string path, string? body, string? contentType, CancellationToken cancel)
    {
        using var request = new HttpRequestMessage(method, new Uri(_client.BaseUri, path));
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType!);
        }
        using var response = await _client.HttpClient.SendAsync(request, cancel);
        if (method == HttpMethod.Delete && response.StatusCode == HttpStatusCode.NotFound)
        {
            return;
        }
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException(
                $"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancel)}", null, response.StatusCode);
        }
    }

    public void Dispose() => _admin.Dispose();

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "watching FjordClusters in {Namespace}; ServiceMonitor CRD present: {ServiceMonitors}")]
    private static partial void LogStarting(ILogger logger, string @namespace, bool serviceMonitors);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "reconciled {Key}: {Count} action(s) {Actions}")]
    private static partial void LogReconciled(ILogger logger, string key, int count, string actions);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "reconcile of {Key} failed; retrying in {DelaySeconds}s")]
    private static partial void LogReconcileFailed(ILogger logger, string key, double delaySeconds, Exception exception);
}
