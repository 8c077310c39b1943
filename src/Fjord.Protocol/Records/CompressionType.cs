namespace Fjord.Protocol.Records;

/// <summary>
/// The compression codec of a record batch, stored in bits 0–2 of the batch attributes. Values 5–7
/// are unassigned by Kafka and are rejected by <see cref="RecordBatchValidator"/>.
/// </summary>
public enum CompressionType : byte
{
    None = 0,
    Gzip = 1,
    Snappy = 2,
    Lz4 = 3,

    /// <summary>KIP-110: clients need Produce v7+ / Fetch v10+ to use it.</summary>
    Zstd = 4,
}
