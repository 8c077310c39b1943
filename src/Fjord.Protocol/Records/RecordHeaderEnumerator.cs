namespace Fjord.Protocol.Records;

/// <summary>
/// Enumerates the headers of one <see cref="Record"/> without allocating; usable directly in
/// <c>foreach (RecordHeaderView h in record.Headers)</c>. The header bytes were already checked when
/// the record was parsed, so enumeration cannot fail on well-formed input.
/// Not thread-safe; a ref struct over the batch bytes.
/// </summary>
public ref struct RecordHeaderEnumerator
{
    private ReadOnlySpan<byte> _remaining;
    private int _left;
    private RecordHeaderView _current;

    internal RecordHeaderEnumerator(ReadOnlySpan<byte> headers, int count)
    {
        _remaining = headers;
        _left = count;
        _current = default;
    }

    public readonly RecordHeaderView Current => _current;

    public readonly RecordHeaderEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        if (_left == 0)
        {
            return false;
        }

        if (!Record.TryReadHeader(ref _remaining, out _current))
        {
            // Unreachable for records produced by Record.TryParse, which checked every header.
            throw new RecordBatchException(Errors.ErrorCode.InvalidRecord, "Malformed record header.");
        }

        _left--;
        return true;
    }
}
