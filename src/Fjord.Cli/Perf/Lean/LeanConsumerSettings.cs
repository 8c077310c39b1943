namespace Fjord.Cli.Perf.Lean;

/// <summary>
/// Settings of a lean consumer run. The fetch sizes are the Java consumer's defaults (fetch.max.bytes 50 MiB,
/// max.partition.fetch.bytes 1 MiB, fetch.max.wait.ms 500, fetch.min.bytes 1). RecordSize is the value size every
/// record was written with: the lean consumer never decodes a record, so it reports value bytes as records × size.
/// </summary>
public sealed record LeanConsumerSettings(
    string Topic,
    long ExpectedRecords,
    int RecordSize,
    TimeSpan MaxDuration,
    int FetchMaxBytes = 52_428_800,
    int PartitionMaxBytes = 1_048_576,
    int MaxWaitMs = 500,
    int MinBytes = 1);
