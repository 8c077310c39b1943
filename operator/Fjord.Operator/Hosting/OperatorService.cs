using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Fjord.Operator.Hosting;

/// <summary>
/// Runs the controllers while this replica holds the <c>fjord-operator</c> Lease (coordination.k8s.io), so two
/// operator replicas never reconcile at once; losing the lease stops the process, the way client-go operators do,
/// and the Deployment restarts it as a standby. Owned by the generic host.
/// </summary>
public sealed partial class OperatorService : BackgroundService
{
    public const string LeaseName = "fjord-operator";
    private readonly Kubernetes _client;
    private readonly OperatorOptions _options;
    private readonly FjordClusterController _controller;
    private readonly FjordTopicController _topics;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger<OperatorService> _logger;

    public OperatorService(Kubernetes client, OperatorOptions options, FjordClusterController controller,
        IHostApplicationLifetime lifetime, ILogger<OperatorService> logger, FjordTopicController topics)
    {
        _topics = topics;
        _client = client;
        _options = options;
        _controller = controller;
        _lifetime = lifetime;
        _logger = logger;
    }

    public bool Leading { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.LeaderElect)
        {
            Leading = true;
            await RunControllersAsync(stoppingToken);
            return;
        }
        var leaseLock = new LeaseLock(_client, _options.LeaseNamespace, LeaseName, _options.Identity);
        using var elector = new LeaderElector(new LeaderElectionConfig(leaseLock)
        {
            LeaseDuration = TimeSpan.FromSeconds(15),
            RenewDeadline = TimeSpan.FromSeconds(10),
            RetryPeriod = TimeSpan.FromSeconds(2),
        });
        elector.OnNewLeader += leader => LogLeader(_logger, leader, _options.Identity);
        using var leading = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        Task? controller = null;
        elector.OnStartedLeading += () =>
        {
            Leading = true;
            controller = RunControllersAsync(leading.Token);
        };
        elector.OnStoppedLeading += () =>
        {
            Leading = false;
            leading.Cancel();
            if (!stoppingToken.IsCancellationRequested)
            {
                LogLostLease(_logger);
                _lifetime.StopApplication();
            }
        };
        // The elector's loop may not notice cancellation promptly; shutdown must not wait for it.
        var election = elector.RunUntilLeadershipLostAsync(stoppingToken);
        await Task.WhenAny(election, Task.Delay(Timeout.Infinite, stoppingToken));
        leading.Cancel();
        if (controller is not null)
        {
            await controller;
        }
    }

    private Task RunControllersAsync(CancellationToken cancel) => Task.WhenAll(_controller.RunAsync(cancel), _topics.RunAsync(cancel));

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "lease held by {Leader} (this replica: {Identity})")]
    private static partial void LogLeader(ILogger logger, string leader, string identity);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "lost the lease; stopping so a fresh process can stand by")]
    private static partial void LogLostLease(ILogger logger);
}
