namespace Fjord.Raft;

/// <summary>
/// One raft log entry. Immutable value; safe to share between threads. The <see cref="Data"/> buffer
/// must not be mutated once the entry has been proposed.
/// </summary>
public readonly record struct Entry(ulong Term, ulong Index, EntryType Type, ReadOnlyMemory<byte> Data)
{
    /// <summary>Bytes the entry costs in a message, for batching limits.</summary>
    public int Size => 17 + Data.Length;

    /// <inheritdoc/>
    public override string ToString() => Type == EntryType.ConfChange
        ? $"{Term}/{Index} {ConfChange.Decode(Data.Span)}"
        : $"{Term}/{Index} EntryNormal {Describe(Data.Span)}";

    private static string Describe(ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
            if (b < 0x20 || b > 0x7e) return "0x" + Convert.ToHexString(data);
        return $"\"{System.Text.Encoding.ASCII.GetString(data)}\"";
    }
}
