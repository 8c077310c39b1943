using System.Diagnostics;
using Fjord.Operator.Crds;
using Fjord.Operator.DesiredState;
using Fjord.Operator.Reconciling;
using Fjord.Operator.Topics;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Fjord.Operator.Hosting;

/// <summary>
/// The thin shell around <see cref="FjordTopicReconciler"/>: informers on FjordTopics, FjordClusters and broker pods
/// feed FjordTopic keys into its own <see cref="WorkQueue"/>; <see cref="Workers"/> workers plan each key against the
/// cluster's shared <see cref="TopicClusterView"/> and carry the actions out over admin gRPC and the Kubernetes API
/// (creations reached at about the same time go to the cluster as one batch, see <see cref="TopicCreationBatcher"/>).
/// After an admin change the key is planned again against the topic the call described (up to three rounds), so one
/// reconcile goes from "absent" to Ready with one status write. Every FjordTopic is looked at again every
/// <see cref="ResyncInterval"/>, which is how changes made behind the operator's back are found. Owned by
/// <see cref="OperatorService"/>.
/// </summary>
public sealed partial class FjordTopicController : IDisposable
{
    public const int Workers = 16;
    public static readonly TimeSpan ResyncInterval = TimeSpan.FromSeconds(15);
    private const int MaxRounds = 3;
    private readonly string? _namespace;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly AdminClusterClient _admin;
    private readonly KubernetesWriter _writer;
    private readonly OperatorMetrics _metrics;
    private readonly TopicClusterViewCache _views;
    private readonly TopicCreationBatcher _creations;
    private readonly Informer<V1Alpha1FjordTopic> _topics;
    private readonly Informer<V1Alpha1FjordCluster> _clusters;
    private readonly Informer<V1Pod> _pods;

    public FjordTopicController(Kubernetes client, string? ns, TimeProvider time, ILoggerFactory loggers, OperatorMetrics metrics)
    {
        _namespace = ns;
        _time = time;
        _logger = loggers.CreateLogger<FjordTopicController>();
        _admin = new AdminClusterClient(_logger);
        _writer = new KubernetesWriter(client, time);
        _metrics = metrics;
        _views = new TopicClusterViewCache(time);
        _creations = new TopicCreationBatcher(_admin, time);
        Queue = new WorkQueue(time, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(2));
        var informerLogger = loggers.CreateLogger("Fjord.Operator.Informer");
        var resync = TimeSpan.FromMinutes(5);
        var owned = $"?labelSelector={Uri.EscapeDataString($"{ClusterLabels.ManagedBy}={ClusterLabels.OperatorName}")}";
        _topics = new(client, KubernetesPaths.Collection(V1Alpha1FjordTopic.KindName, ns), resync, time, informerLogger);
        _clusters = new(client, KubernetesPaths.Collection(V1Alpha1FjordCluster.KindName, ns), resync, time, informerLogger);
        _pods = new(client, KubernetesPaths.Collection("Pod", ns) + owned, resync, time, informerLogger);
        _topics.Changed += t => Queue.Add(ObjectKey.Of(t));
        _clusters.Changed += c => EnqueueTopicsOf(c.Metadata.NamespaceProperty, c.Metadata.Name);
        _pods.Changed += p =>
        {
            if (p.Metadata.Labels?.TryGetValue(ClusterLabels.Cluster, out var cluster) == true)
            {
                EnqueueTopicsOf(p.Metadata.NamespaceProperty, cluster);
            }
        };
    }

    public WorkQueue Queue { get; }

    public bool Synced => new[] { _topics.Synced, _clusters.Synced, _pods.Synced }.All(t => t.IsCompletedSuccessfully);

    public async Task RunAsync(CancellationToken cancel)
    {
        LogStarting(_logger, _namespace ?? "(all)", Workers);
        var informers = new[] { _topics.RunAsync(cancel), _clusters.RunAsync(cancel), _pods.RunAsync(cancel) };
        var workers = Enumerable.Range(0, Workers).Select(_ => WorkAsync(cancel)).ToList();
        await ResyncAsync(cancel);
        await Task.WhenAll(workers);
        await Task.WhenAll(informers);
    }

    private async Task ResyncAsync(CancellationToken cancel)
    {
        try
        {
            while (!cancel.IsCancellationRequested)
            {
                await Task.Delay(ResyncInterval, _time, cancel);
                foreach (var topic in _topics.Items)
                {
                    Queue.Add(ObjectKey.Of(topic));
                }
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private async Task WorkAsync(CancellationToken cancel)
    {
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
    }

    private void EnqueueTopicsOf(string ns, string cluster)
    {
        foreach (var topic in _topics.Items)
        {
            if (topic.Metadata.NamespaceProperty == ns && topic.Spec.ClusterRef.Name == cluster)
            {
                Queue.Add(ObjectKey.Of(topic));
            }
        }
    }

    private async Task ReconcileKeyAsync(string key, CancellationToken cancel)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var cached = _topics.Get(key);
            if (cached is null)
            {
                Queue.Forget(key);
                return;
            }
            // A copy: rounds update its finalizers locally as they write them.
            var resource = KubernetesJson.Deserialize<V1Alpha1FjordTopic>(KubernetesJson.Serialize(cached));
            var requeue = await ReconcileAsync(resource, cancel);
            Queue.Forget(key);
            if (requeue is { } after)
            {
                Queue.AddAfter(key, after);
            }
            _metrics.Reconciled(V1Alpha1FjordTopic.KindName, "ok", Stopwatch.GetElapsedTime(started));
        }
        catch (Exception e) when (!cancel.IsCancellationRequested)
        {
            // Any failure, expected (API or admin I/O) or not, is retried with backoff: a worker must never die with its key.
            var delay = Queue.Retry(key);
            LogReconcileFailed(_logger, key, delay.TotalSeconds, e);
            _metrics.Reconciled(V1Alpha1FjordTopic.KindName, "error", Stopwatch.GetElapsedTime(started));
        }
        finally
        {
            Queue.Done(key);
        }
    }

    /// <summary>Plans and acts in rounds; answers when to look at the resource again.</summary>
    private async Task<TimeSpan?> ReconcileAsync(V1Alpha1FjordTopic resource, CancellationToken cancel)
    {
        var ns = resource.Metadata.NamespaceProperty;
        var clusterKey = ObjectKey.Of(ns, resource.Spec.ClusterRef.Name);
        var brokers = BrokerAddresses(ns, resource.Spec.ClusterRef.Name);
        var view = await ViewAsync(clusterKey, brokers, cancel);
        var namespaceTopics = _topics.Items.Where(t => t.Metadata.NamespaceProperty == ns).ToList();
        for (var round = 1; ; round++)
        {
            var observed = new ObservedFjordTopic(resource, view, namespaceTopics, _time.GetUtcNow());
            var plan = FjordTopicReconciler.Plan(observed);
            var changed = false;
            var stale = false;
            try
            {
                foreach (var action in plan.Actions)
                {
                    switch (action)
                    {
                        case CreateKafkaTopic create:
                            var created = await _creations.CreateAsync(clusterKey, brokers, create, cancel);
                            if (created is null)
                            {
                                stale = true;
                                break;
                            }
                            view = _views.Update(clusterKey, view, created);
                            LogTopicChanged(_logger, ObjectKey.Of(resource), "created", create.Name);
                            changed = true;
                            break;
                        case GrowPartitions grow:
                            view = _views.Update(clusterKey, view,
                                (await _admin.UpdateTopicAsync(brokers, grow.Name, grow.Partitions, new Dictionary<string, string>(), [], cancel))!);
                            LogTopicChanged(_logger, ObjectKey.Of(resource), $"grew to {grow.Partitions} partitions", grow.Name);
                            changed = true;
                            break;
                        case AlterTopicConfigs alter:
                            view = _views.Update(clusterKey, view, (await _admin.UpdateTopicAsync(brokers, alter.Name, null, alter.Set, alter.Delete, cancel))!);
                            LogTopicChanged(_logger, ObjectKey.Of(resource), $"configs set {string.Join(",", alter.Set.Keys)} deleted {string.Join(",", alter.Delete)}", alter.Name);
                            changed = true;
                            break;
                        case ChangeReplicationFactor change:
                            var started = await _admin.ChangeReplicationFactorAsync(brokers, change, cancel);
                            LogTopicChanged(_logger, ObjectKey.Of(resource), started
                                ? $"replication factor {change.ReplicationFactor} handed to the balancer (throttle {change.ThrottleBytesPerSecond} B/s)"
                                : "replication factor change waits for the running balance", change.Name);
                            stale = true;
                            break;
                        case DeleteKafkaTopic delete:
                            await _admin.DeleteTopicAsync(brokers, delete.Name, cancel);
                            view = _views.Remove(clusterKey, view, delete.Name);
                            LogTopicChanged(_logger, ObjectKey.Of(resource), "deleted", delete.Name);
                            changed = true;
                            break;
                        case AddTopicFinalizer:
                            await SetFinalizersAsync(resource, [.. resource.Metadata.Finalizers ?? [], TopicFinalizer.Name], cancel);
                            break;
                        case RemoveTopicFinalizer:
                            await SetFinalizersAsync(resource, [.. (resource.Metadata.Finalizers ?? []).Where(f => f != TopicFinalizer.Name)], cancel);
                            break;
                        case RecordEvent recorded:
                            await _writer.RecordEventAsync(V1Alpha1FjordTopic.KindName, resource.Metadata, recorded, cancel);
                            break;
                        case UpdateTopicStatus:
                            break;
                        default:
                            throw new InvalidOperationException($"no executor for {action.GetType().Name}");
                    }
                }
            }
            catch (TopicAdminException e)
            {
                _views.Invalidate(clusterKey);
                plan = FjordTopicReconciler.Failed(observed, e.Code, e.Reason);
                stale = false;
                changed = false;
            }
            if (stale)
            {
                // The cluster changed in a way no answer described (a reassignment started, a topic appeared): look again soon.
                _views.Invalidate(clusterKey);
                await WriteStatusAsync(resource, plan, cancel);
                return FjordTopicReconciler.ProgressRequeue;
            }
            if (!changed || round == MaxRounds)
            {
                await WriteStatusAsync(resource, plan, cancel);
                return changed ? TimeSpan.Zero : plan.RequeueAfter;
            }
        }
    }

    private async Task<TopicClusterView> ViewAsync(string clusterKey, IReadOnlyList<string> brokers, CancellationToken cancel)
    {
        var cluster = _clusters.Get(clusterKey);
        if (cluster is null || cluster.Metadata.DeletionTimestamp is not null)
        {
            return TopicClusterView.Missing;
        }
        if (brokers.Count == 0)
        {
            return TopicClusterView.Unreachable;
        }
        var view = await _views.GetAsync(clusterKey, c => _admin.DescribeTopicClusterAsync(brokers, c), cancel);
        return view with { ThrottleBytesPerSecond = cluster.Spec.Rebalance?.ThrottleBytesPerSecond ?? 0 };
    }

    /// <summary>The rpc addresses of the cluster's broker pods that have an IP, in pod-name order.</summary>
    private List<string> BrokerAddresses(string ns, string cluster) =>
        _pods.Items
            .Where(p => p.Metadata.NamespaceProperty == ns
                && p.Metadata.Labels?.TryGetValue(ClusterLabels.Instance, out var instance) == true && instance == cluster
                && p.Metadata.DeletionTimestamp is null
                && !string.IsNullOrEmpty(p.Status?.PodIP))
            .OrderBy(p => p.Metadata.Name, StringComparer.Ordinal)
            .Select(p => $"{p.Status.PodIP}:{BrokerPorts.Rpc}")
            .ToList();

    private async Task SetFinalizersAsync(V1Alpha1FjordTopic resource, List<string> finalizers, CancellationToken cancel)
    {
        await _writer.SetFinalizersAsync(V1Alpha1FjordTopic.KindName, resource.Metadata.NamespaceProperty, resource.Metadata.Name,
            resource.Metadata.ResourceVersion, finalizers, cancel);
        resource.Metadata.Finalizers = finalizers;
    }

    /// <summary>Writes the plan's status unless it equals what the resource already shows (most resyncs write nothing).</summary>
    private async Task WriteStatusAsync(V1Alpha1FjordTopic resource, ReconcilePlan plan, CancellationToken cancel)
    {
        if (plan.Actions.OfType<UpdateTopicStatus>().LastOrDefault() is not { } update
            || (resource.Status is not null && KubernetesJson.Serialize(update.Status) == KubernetesJson.Serialize(resource.Status)))
        {
            return;
        }
        if (resource.Metadata.DeletionTimestamp is not null && resource.Metadata.Finalizers?.Contains(TopicFinalizer.Name) != true)
        {
            return;
        }
        await _writer.ApplyStatusAsync(V1Alpha1FjordTopic.KindName, resource.Metadata.NamespaceProperty, resource.Metadata.Name, update.Status, cancel);
    }

    public void Dispose()
    {
        _admin.Dispose();
        Queue.Dispose();
    }

    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "watching FjordTopics in {Namespace} with {Workers} workers")]
    private static partial void LogStarting(ILogger logger, string @namespace, int workers);

    [LoggerMessage(EventId = 301, Level = LogLevel.Information, Message = "{Key}: topic '{Topic}' {Change}")]
    private static partial void LogTopicChanged(ILogger logger, string key, string change, string topic);

    [LoggerMessage(EventId = 302, Level = LogLevel.Warning, Message = "reconcile of FjordTopic {Key} failed; retrying in {DelaySeconds}s")]
    private static partial void LogReconcileFailed(ILogger logger, string key, double delaySeconds, Exception exception);
}
