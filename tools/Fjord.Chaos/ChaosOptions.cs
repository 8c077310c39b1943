using System.Globalization;

namespace Fjord.Chaos;

/// <summary>
/// What one chaos run does: cluster size, workload, fault mix and seed. Parsed once from the command line
/// (<see cref="Parse"/>); immutable afterwards and safe to share between the workload and nemesis threads.
/// </summary>
public sealed record ChaosOptions
{
    /// <summary>How long faults are injected; the heal, quiesce and check phases come on top.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(120);

    public int Nodes { get; init; } = 3;

    /// <summary>Seeds the fault schedule (kinds, victims, durations, heal gaps): the same seed replays the same schedule.</summary>
    public int Seed { get; init; } = Random.Shared.Next();

    public int Producers { get; init; } = 3;

    /// <summary>Idempotent producers (the default) or transactional producers with read_committed consumers.</summary>
    public ChaosWorkload Workload { get; init; } = ChaosWorkload.Idempotent;

    /// <summary>Records per second each producer offers; modest on purpose (the machine is shared).</summary>
    public int RecordsPerSecondPerProducer { get; init; } = 50;

    public int Consumers { get; init; } = 1;

    public int Partitions { get; init; } = 6;

    public short ReplicationFactor { get; init; } = 3;

    public int MinInSyncReplicas { get; init; } = 2;

    /// <summary><c>broker.session.timeout.ms</c> given to every node; pauses and partitions last longer than this.</summary>
    public int SessionTimeoutMs { get; init; } = 4000;

    /// <summary>Allow more than one fault at once (off: the single-failure promise under test).</summary>
    public bool ConcurrentFaults { get; init; }

    /// <summary>
    /// The first fault is a network partition, and a machine without network namespaces fails the run instead of
    /// running without partitions (the short CI run, where root and <c>ip netns</c> are present).
    /// </summary>
    public bool RequirePartition { get; init; }

    /// <summary>Skip network partitions even when network namespaces are available.</summary>
    public bool NoPartitions { get; init; }

    /// <summary>
    /// Longest time a client may go without progress (an acknowledgement, a consumed record) while faults run before
    /// the run fails for liveness. One fault heals within seconds plus a session timeout, so the default is generous.
    /// </summary>
    public TimeSpan MaxStall { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Keep data directories and node logs even when the run passes.</summary>
    public bool KeepData { get; init; }

    /// <summary>Where node data and logs go; a fresh directory under the temp dir when null.</summary>
    public string? WorkDir { get; init; }

    /// <summary>The fjord-broker.dll to run; found next to this tool's build configuration when null.</summary>
    public string? BrokerDll { get; init; }

    public static string Usage =>
        """
        fjord-chaos [--duration SECONDS] [--nodes N] [--seed N] [--producers N] [--rate RECORDS_PER_SEC_PER_PRODUCER]
                    [--consumers N] [--partitions N] [--session-timeout-ms N] [--no-partitions] [--require-partition] [--concurrent-faults]
                    [--max-stall SECONDS] [--keep-data] [--work-dir DIR] [--broker-dll PATH] [--workload idempotent|transactions]
        Runs real fjord-broker processes under kill -9, SIGSTOP and network partitions while idempotent acks=all
        producers write unique values, then checks that nothing acknowledged was lost, duplicated or diverged.
        Exit code 0 only when lost, duplicated, divergent, moved, reordered, vanished, stalled, fatal and unhealed are
        all 0 and the cluster quiesced (stalled: a producer or consumer without progress for longer than --max-stall,
        default 60, while faults run; fatal: an idempotent producer's fatal error; unhealed: a fault due while the
        cluster had not recovered from the previous one; quiesced: a full ISR again after the final heal).
        --require-partition makes the first fault a network partition and fails when namespaces are unavailable.
        --workload transactions: transactional producers (--producers, distinct transactional.ids) write transactions
        over several partitions, committing or aborting one in five, --rate records per second each; read_committed
        consumers and a final read_committed read are checked for aborted reads (G1a), partly visible transactions
        (G1b, and unknown commits), lost commits, duplicates, order and skipped earlier transactions (G1c-lite); half of
        the faults aimed at a role hit a transaction coordinator instead of the controller. Ends with `committed=N ...`.
        """;

    /// <summary>Parses <c>--name value</c> pairs and flags.</summary>
    /// <exception cref="ArgumentException">An unknown option or a malformed value.</exception>
    public static ChaosOptions Parse(IReadOnlyList<string> args)
    {
        var options = new ChaosOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{name} needs a value");
            int Int() => int.TryParse(Value(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= 0
                ? v : throw new ArgumentException($"{name} needs a non-negative integer");
            options = name switch
            {
                "--duration" => options with { Duration = TimeSpan.FromSeconds(Int()) },
                "--nodes" => options with { Nodes = Int() },
                "--seed" => options with { Seed = Int() },
                "--producers" => options with { Producers = Int() },
                "--rate" => options with { RecordsPerSecondPerProducer = Int() },
                "--consumers" => options with { Consumers = Int() },
                "--partitions" => options with { Partitions = Int() },
                "--session-timeout-ms" => options with { SessionTimeoutMs = Int() },
                "--no-partitions" => options with { NoPartitions = true },
                "--require-partition" => options with { RequirePartition = true },
                "--concurrent-faults" => options with { ConcurrentFaults = true },
                "--max-stall" => options with { MaxStall = TimeSpan.FromSeconds(Int()) },
                "--keep-data" => options with { KeepData = true },
                "--work-dir" => options with { WorkDir = Value() },
                "--broker-dll" => options with { BrokerDll = Value() },
                "--workload" => options with
                {
                    Workload = Value() switch
                    {
                        "idempotent" => ChaosWorkload.Idempotent,
                        "transactions" => ChaosWorkload.Transactions,
                        var other => throw new ArgumentException($"--workload is idempotent or transactions, not {other}"),
                    },
                },
                _ => throw new ArgumentException($"unknown option {name}"),
            };
        }
        if (options.Nodes < 3) throw new ArgumentException("--nodes must be at least 3 (RF=3 topics)");
        if (options.RequirePartition && options.NoPartitions) throw new ArgumentException("--require-partition and --no-partitions contradict each other");
        if (options.Producers < 1 || options.Partitions < 1 || options.RecordsPerSecondPerProducer < 1)
            throw new ArgumentException("--producers, --partitions and --rate must be at least 1");
        return options;
    }
}
