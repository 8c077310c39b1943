namespace Fjord.Protocol.Records;

/// <summary>
/// How deep <see cref="RecordBatchValidator"/> looks. <c>default</c> is the full produce-path check
/// Kafka's LogValidator does. Immutable; safe to share.
/// </summary>
/// <param name="HeadersOnly">
/// Check framing, magic, CRC and header fields but do not parse (or decompress) records — for data
/// that was validated before, such as a follower's fetched batches or log recovery. Compacted
/// batches legitimately hold fewer records than their offset range, so this mode only requires
/// RecordCount ≤ LastOffsetDelta + 1.
/// </param>
/// <param name="MaxDecompressedSize">Bound on one batch's decompressed records; 0 means
/// <see cref="CompressionCodecs.DefaultMaxDecompressedSize"/>.</param>
public readonly record struct RecordBatchValidationOptions(bool HeadersOnly = false, int MaxDecompressedSize = 0)
{
    internal int EffectiveMaxDecompressedSize =>
        MaxDecompressedSize > 0 ? MaxDecompressedSize : CompressionCodecs.DefaultMaxDecompressedSize;
}
