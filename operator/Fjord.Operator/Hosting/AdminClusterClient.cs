using Fjord.Operator.Reconciling;
using Fjord.Rpc.Admin;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;

namespace Fjord.Operator.Hosting;

/// <summary>
/// Talks to a Fjord cluster through the admin gRPC contract (Fjord.Rpc's admin.proto) on the brokers' rpc port — the only
/// way the operator reaches brokers. Reads take the most up-to-date broker's view; UnregisterBroker runs on the
/// active controller, following NOT_CONTROLLER's controller_id. Channels are cached per address. Thread-safe.
/// </summary>
public sealed partial class AdminClusterClient : IDisposable
{
    private const int NotController = 41;
    private const int ReassignmentInProgress = 60;
    /// <summary>The BROKER config resource name of the cluster-wide default.</summary>
    private const string ClusterDefault = "";
    private static readonly TimeSpan s_callTimeout = TimeSpan.FromSeconds(5);
    private readonly Dictionary<string, GrpcChannel> _channels = new(StringComparer.Ordinal);
    private readonly ILogger _logger;

    public AdminClusterClient(ILogger logger) => _logger = logger;

    /// <summary>
    /// The cluster as the most up-to-date broker sees it: DescribeCluster on every broker, then DescribeTopics and the
    /// dynamic configs from the one whose metadata image is furthest along (lowest id on a tie). A broker cut off from
    /// the quorum answers from a stale image (no controller, old leaders), so the first answer is not good enough.
    /// </summary>
    /// <param name="brokers">Node id → rpc address (host:port) of each broker pod that has an IP.</param>
    /// <param name="propose">Also ask for a balance proposal (continuous balancing).</param>
    public async Task<ObservedClusterHealth> DescribeAsync(IReadOnlyDictionary<int, string> brokers, bool propose, CancellationToken cancel)
    {
        (int Id, AdminService.AdminServiceClient Client, DescribeClusterResponse Cluster)? best = null;
        foreach (var (id, address) in brokers.OrderBy(b => b.Key))
        {
            try
            {
                var client = Client(address);
                var cluster = await client.DescribeClusterAsync(new DescribeClusterRequest(), deadline: Deadline(), cancellationToken: cancel);
                if (best is null || cluster.MetadataOffset > best.Value.Cluster.MetadataOffset)
                {
                    best = (id, client, cluster);
                }
            }
            catch (RpcException e)
            {
                LogUnanswered(_logger, id, address, e.StatusCode.ToString(), e.Status.Detail);
            }
        }
        if (best is not var (bestId, chosen, described))
        {
            return ObservedClusterHealth.Unreachable;
        }
        try
        {
            var topics = await chosen.DescribeTopicsAsync(new DescribeTopicsRequest(), deadline: Deadline(), cancellationToken: cancel);
            var configs = await chosen.DescribeBrokerConfigsAsync(new DescribeBrokerConfigsRequest { Broker = ClusterDefault },
                deadline: Deadline(), cancellationToken: cancel);
            return new ObservedClusterHealth(
                Reachable: true,
                described.ControllerId,
                described.Brokers.Select(b => new ObservedBroker(b.Id, b.Fenced, b.InControlledShutdown, b.LeaderCount, b.ReplicaCount)).ToList(),
                described.UnderReplicatedPartitions,
                described.OfflinePartitions,
                described.ReassigningPartitions,
                topics.Topics.Select(t => new TopicReplication(t.Name, t.Partitions.Count == 0 ? 0 : t.Partitions.Max(p => p.Replicas.Count))).ToList(),
                configs.Error is { Code: not 0 } ? null : configs.Configs.ToDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal),
                topics.Topics.Sum(t => t.Partitions.Count(p => p.Replicas.Count > 0 && p.Leader != p.Replicas[0] && p.Isr.Contains(p.Replicas[0]))),
                await DescribeBalanceAsync(chosen, bestId, brokers[bestId], cancel),
                propose ? await ProposeBalanceAsync(chosen, bestId, brokers[bestId], cancel) : null,
                await DescribeQuorumAsync(chosen, bestId, brokers[bestId], cancel));
        }
        catch (RpcException e)
        {
            LogUnanswered(_logger, bestId, brokers[bestId], e.StatusCode.ToString(), e.Status.Detail);
            return ObservedClusterHealth.Unreachable;
        }
    }

    /// <summary>
    /// Sets and deletes cluster-wide dynamic broker configs (KIP-226) through any broker: the admin service runs them as
    /// IncrementalAlterConfigs, which the broker forwards to the active controller, so no controller lookup is needed.
    /// </summary>
    public Task AlterClusterConfigsAsync(IReadOnlyDictionary<int, string> brokers, IReadOnlyDictionary<string, string> set,
        IReadOnlyList<string> delete, CancellationToken cancel)
    {
        var request = new AlterBrokerConfigsRequest { Broker = ClusterDefault };
        foreach (var (name, value) in set)
        {
            request.SetConfigs[name] = value;
        }
        request.DeleteConfigs.Add(delete);
        return OnAnyBrokerAsync(brokers, "AlterBrokerConfigs", async (client, deadline) =>
            (await client.AlterBrokerConfigsAsync(request, deadline: deadline, cancellationToken: cancel)).Error);
    }

    /// <summary>The quorum from its leader (the broker forwards DescribeQuorum there); null when it could not say.</summary>
    private async Task<ObservedQuorum?> DescribeQuorumAsync(AdminService.AdminServiceClient client, int id, string address, CancellationToken cancel)
    {
        try
        {
            var quorum = await client.DescribeQuorumAsync(new DescribeQuorumRequest(), deadline: Deadline(), cancellationToken: cancel);
            if (quorum.Error is { Code: not 0 } || quorum.LeaderId < 0)
            {
                return null;
            }
            return new ObservedQuorum(
                quorum.Voters.Select(v => v.NodeId).ToList(),
                quorum.Observers.ToDictionary(o => o.NodeId, o => o.LogEndOffset < 0 ? -1 : Math.Max(0, quorum.HighWatermark - o.LogEndOffset)));
        }
        catch (RpcException e)
        {
            LogUnanswered(_logger, id, address, e.StatusCode.ToString(), e.Status.Detail);
            return null;
        }
    }

    /// <summary>One voter change through any broker (it forwards to the quorum's leader); REQUEST_TIMED_OUT is thrown to be retried.</summary>
    public Task ChangeVoterAsync(IReadOnlyDictionary<int, string> brokers, ChangeVoter change, CancellationToken cancel) =>
        OnAnyBrokerAsync(brokers, change.Add ? "AddVoter" : "RemoveVoter", async (client, deadline) =>
        {
            var request = new VoterChangeRequest { NodeId = change.NodeId };
            // A change commits within the broker's own 8 s wait, beyond the usual call deadline.
            var longer = deadline + TimeSpan.FromSeconds(10);
            return (change.Add
                ? await client.AddVoterAsync(request, deadline: longer, cancellationToken: cancel)
                : await client.RemoveVoterAsync(request, deadline: longer, cancellationToken: cancel)).Error;
        });

    /// <summary>Preferred-leader election of every partition through any broker (ElectLeaders is forwarded to the controller).</summary>
    public Task ElectPreferredLeadersAsync(IReadOnlyDictionary<int, string> brokers, CancellationToken cancel) =>
        OnAnyBrokerAsync(brokers, "ElectLeaders", async (client, deadline) =>
            (await client.ElectLeadersAsync(new ElectLeadersRequest { Type = ElectionType.Preferred }, deadline: deadline, cancellationToken: cancel)).Error);

    /// <summary>A call any broker can take (it forwards to the controller): the first that answers decides.</summary>
    private async Task OnAnyBrokerAsync(IReadOnlyDictionary<int, string> brokers, string name,
        Func<AdminService.AdminServiceClient, DateTime, Task<Error?>> call)
    {
        RpcException? last = null;
        foreach (var (id, address) in brokers.Where(b => b.Value.Length > 0).OrderBy(b => b.Key))
        {
            Error? error;
            try
            {
                error = await call(Client(address), Deadline());
            }
            catch (RpcException e)
            {
                LogUnanswered(_logger, id, address, e.StatusCode.ToString(), e.Status.Detail);
                last = e;
                continue;
            }
            if (error is { Code: not 0 })
            {
                throw new InvalidOperationException($"{name} through broker {id} failed: error {error.Code} {error.Message}");
            }
            return;
        }
        throw new InvalidOperationException($"no broker answered {name}", last);
    }

    public Task UnregisterBrokerAsync(IReadOnlyDictionary<int, string> brokers, int controllerId, int brokerId, CancellationToken cancel) =>
        OnControllerAsync(brokers, controllerId, async (client, deadline) =>
            (await client.UnregisterBrokerAsync(new UnregisterBrokerRequest { BrokerId = brokerId }, deadline: deadline, cancellationToken: cancel)).Error);

    private async Task OnControllerAsync(IReadOnlyDictionary<int, string> brokers, int controllerId,
        Func<AdminService.AdminServiceClient, DateTime, Task<Error?>> call)
    {
        var target = controllerId;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            if (!brokers.TryGetValue(target, out var address))
            {
                throw new InvalidOperationException($"controller {target} has no pod address yet");
            }
            var error = await call(Client(address), Deadline());
            if (error is null || error.Code == 0)
            {
                return;
            }
            if (error.Code != NotController || error.ControllerId < 0)
            {
                throw new InvalidOperationException($"admin call on broker {target} failed: error {error.Code} {error.Message}");
            }
            target = error.ControllerId;
        }
        throw new InvalidOperationException("admin call: the controller kept moving");
    }

    private static DateTime Deadline() => DateTime.UtcNow + s_callTimeout;

    private AdminService.AdminServiceClient Client(string address)
    {
        lock (_channels)
        {
            if (!_channels.TryGetValue(address, out var channel))
            {
                channel = GrpcChannel.ForAddress($"http://{address}");
                _channels[address] = channel;
            }
            return new AdminService.AdminServiceClient(channel);
        }
    }

    public void Dispose()
    {
        lock (_channels)
        {
            foreach (var channel in _channels.Values)
            {
                channel.Dispose();
            }
            _channels.Clear();
        }
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Debug, Message = "broker {BrokerId} at {Address} did not answer an admin call: {Status} {Detail}")]
    private static partial void LogUnanswered(ILogger logger, int brokerId, string address, string status, string detail);
}
