using System.Text;

namespace Fjord.Protocol.Records;

/// <summary>
/// A zero-copy view of one record header inside batch bytes. Valid only while the bytes it points
/// into are (for a <see cref="RecordReader"/>, until the reader is disposed). Immutable; a ref struct
/// so it cannot outlive those bytes on the heap.
/// </summary>
public readonly ref struct RecordHeaderView
{
    internal RecordHeaderView(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, bool isValueNull)
    {
        Key = key;
        Value = value;
        IsValueNull = isValueNull;
    }

    /// <summary>The header key as UTF-8 bytes (never null in the format).</summary>
    public ReadOnlySpan<byte> Key { get; }

    /// <summary>The header value; empty when <see cref="IsValueNull"/>.</summary>
    public ReadOnlySpan<byte> Value { get; }

    /// <summary>True when the value length was −1 (null), as opposed to an empty value.</summary>
    public bool IsValueNull { get; }

    /// <summary>Decodes the key (allocates a string).</summary>
    public string GetKeyString() => Encoding.UTF8.GetString(Key);

    /// <summary>Copies the header out of the batch (allocates).</summary>
    public RecordHeader ToRecordHeader() => new(GetKeyString(), IsValueNull ? null : Value.ToArray());
}
