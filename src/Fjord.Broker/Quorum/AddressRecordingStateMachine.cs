using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Text;
using Fjord.Broker.Configuration;
using Fjord.Metadata;
using Fjord.Raft;
using Fjord.Broker.Controller;
using Fjord.Broker.Admin;
using Fjord.Broker.Publishers;
using Fjord.Broker.Groups;
using Fjord.Broker.Topics;
using Fjord.Broker.Hosting;

namespace Fjord.Broker.Quorum;

/// <summary>
/// The Raft state machine of the metadata quorum: the <see cref="MetadataStateMachine"/>, plus the learner
/// addresses of the membership entries recorded in <see cref="QuorumAddresses"/>. Snapshots carry the
/// addresses in front of the metadata image (<c>FJQA</c>, a count, then node id / length / UTF-8 address per
/// learner), because compaction drops the membership entries that named them. A snapshot without the
/// prefix (taken before learners existed) restores with no learners. Called only from the Raft loop.
/// </summary>
public sealed class AddressRecordingStateMachine(MetadataStateMachine metadata, QuorumAddresses addresses) : IRaftStateMachine
{
    private static ReadOnlySpan<byte> Magic => "FJQA"u8;

    /// <inheritdoc/>
    public void Apply(in Entry entry)
    {
        if (entry.Type == EntryType.ConfChange)
        {
            var change = ConfChange.Decode(entry.Data.Span);
            var nodeId = ClusterVoters.NodeId(change.NodeId);
            switch (change.Type)
            {
                case ConfChangeType.AddLearner when change.Context is not null && HostPort.TryParse(change.Context, out var address):
                    addresses.LearnerAdded(nodeId, address);
                    break;
                case ConfChangeType.RemoveLearner or ConfChangeType.RemoveVoter:
                    addresses.LearnerRemoved(nodeId);
                    break;
            }
        }
        metadata.Apply(entry);
    }

    /// <inheritdoc/>
    public void Restore(Snapshot snapshot)
    {
        var (learners, image) = Split(snapshot.Data);
        addresses.Replace(learners);
        metadata.Restore(snapshot with { Data = image });
    }

    /// <inheritdoc/>
    public byte[] TakeSnapshot() => Join(addresses.Learners, metadata.TakeSnapshot());

    /// <summary>The snapshot bytes: learner addresses, then the metadata image.</summary>
    internal static byte[] Join(ImmutableDictionary<int, HostPort> learners, byte[] image)
    {
        var encoded = learners.OrderBy(l => l.Key).Select(l => (l.Key, Address: Encoding.UTF8.GetBytes(l.Value.ToString()))).ToList();
        var length = Magic.Length + 4 + encoded.Sum(l => 4 + 2 + l.Address.Length) + image.Length;
        var bytes = new byte[length];
        var span = bytes.AsSpan();
        Magic.CopyTo(span);
        BinaryPrimitives.WriteInt32BigEndian(span[4..], encoded.Count);
        var at = 8;
        foreach (var (id, address) in encoded)
        {
            BinaryPrimitives.WriteInt32BigEndian(span[at..], id);
            BinaryPrimitives.WriteUInt16BigEndian(span[(at + 4)..], (ushort)address.Length);
            address.CopyTo(span[(at + 6)..]);
            at += 6 + address.Length;
        }
        image.CopyTo(span[at..]);
        return bytes;
    }

    /// <summary>Splits snapshot bytes into learner addresses and the metadata image.</summary>
    internal static (ImmutableDictionary<int, HostPort> Learners, ReadOnlyMemory<byte> Image) Split(ReadOnlyMemory<byte> data)
    {
        var span = data.Span;
        if (span.Length < 8 || !span[..4].SequenceEqual(Magic)) return (ImmutableDictionary<int, HostPort>.Empty, data);
        var count = BinaryPrimitives.ReadInt32BigEndian(span[4..]);
        var learners = ImmutableDictionary.CreateBuilder<int, HostPort>();
        var at = 8;
        for (var i = 0; i < count; i++)
        {
            var id = BinaryPrimitives.ReadInt32BigEndian(span[at..]);
            var length = BinaryPrimitives.ReadUInt16BigEndian(span[(at + 4)..]);
            var text = Encoding.UTF8.GetString(span.Slice(at + 6, length));
            if (!HostPort.TryParse(text, out var address)) throw new FormatException($"snapshot names learner {id} with a bad address '{text}'");
            learners[id] = address;
            at += 6 + length;
        }
        return (learners.ToImmutable(), data[at..]);
    }
}
