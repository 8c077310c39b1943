using System.Buffers.Binary;

namespace Fjord.Raft.Tests.Simulation;

/// <summary>
/// The application state of one simulated node: a register (last written value) plus a hash chain over
/// every applied entry, so two nodes that applied different entries at any index disagree forever.
/// Volatile: rebuilt from the snapshot on restart. Not thread-safe; owned by the simulation.
/// </summary>
internal sealed class SimulatedStateMachine
{
    public ulong Applied { get; private set; }
    public ulong Chain { get; private set; }
    public ulong Value { get; private set; }
    public ConfState Conf { get; private set; } = ConfState.Empty;

    public static ulong Mix(ulong a, ulong b)
    {
        // splitmix64 finaliser over a combination: deterministic across processes, unlike HashCode.
        var z = a * 0x9E3779B97F4A7C15UL ^ (b + 0x632BE59BD9B4E019UL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public static ulong DataHash(in Entry e)
    {
        ulong h = (ulong)e.Type + 1;
        foreach (var b in e.Data.Span) h = Mix(h, b);
        return h;
    }

    public void Apply(in Entry e)
    {
        if (e.Index != Applied + 1) throw new InvariantViolationException($"applied {e.Index} after {Applied}");
        Applied = e.Index;
        Chain = Mix(Mix(Chain, e.Term), DataHash(e));
        if (e.Type == EntryType.ConfChange) Conf = Conf.Apply(ConfChange.Decode(e.Data.Span));
        else if (e.Data.Length == 8) Value = BinaryPrimitives.ReadUInt64LittleEndian(e.Data.Span);
    }

    public byte[] Encode()
    {
        var bytes = new byte[24];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, Applied);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(8), Chain);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(16), Value);
        return bytes;
    }

    public void Restore(Snapshot snapshot)
    {
        var d = snapshot.Data.Span;
        Conf = snapshot.Metadata.ConfState;
        if (d.Length == 0)
        {
            Applied = snapshot.Metadata.Index;
            Chain = 0;
            Value = 0;
            return;
        }
        if (d.Length != 24) throw new InvariantViolationException($"snapshot data of {d.Length} bytes");
        Applied = BinaryPrimitives.ReadUInt64LittleEndian(d);
        Chain = BinaryPrimitives.ReadUInt64LittleEndian(d[8..]);
        Value = BinaryPrimitives.ReadUInt64LittleEndian(d[16..]);
        if (Applied != snapshot.Metadata.Index)
            throw new InvariantViolationException($"snapshot at {snapshot.Metadata.Index} holds state applied to {Applied}");
    }
}
