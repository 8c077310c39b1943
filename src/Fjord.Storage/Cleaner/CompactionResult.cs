namespace Fjord.Storage.Cleaner;

/// <summary>What one cleaning of one log did (for logging, metrics and tests). Immutable.</summary>
public sealed record CompactionResult
{
    /// <summary>The first dirty offset before cleaning.</summary>
    public long FirstDirtyOffset { get; init; }

    /// <summary>The end of the cleaned range: the new cleaner checkpoint.</summary>
    public long EndOffset { get; init; }

    /// <summary>The dirty ratio that made the log eligible.</summary>
    public double DirtyRatio { get; init; }

    public int SegmentsRewritten { get; init; }

    public long BytesBefore { get; init; }

    public long BytesAfter { get; init; }

    public long RecordsRemoved { get; init; }

    public long TombstonesRemoved { get; init; }
}
