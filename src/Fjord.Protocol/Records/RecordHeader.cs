namespace Fjord.Protocol.Records;

/// <summary>
/// A record header as an owned value (KIP-82): a UTF-8 key and a nullable value. Used where records
/// are built (<see cref="RecordBatchBuilder"/>) or copied out of a batch
/// (<see cref="Record.GetHeaders"/>); readers that must not allocate use <see cref="RecordHeaderView"/>.
/// Immutable value; safe to share (the caller must not mutate <see cref="Value"/> after handing it over).
/// </summary>
public readonly record struct RecordHeader(string Key, byte[]? Value);
