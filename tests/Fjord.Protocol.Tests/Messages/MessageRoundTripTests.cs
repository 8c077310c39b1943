using System.Buffers;

namespace Fjord.Protocol.Tests.Messages;

/// <summary>Every version of every generated message: random fill, write, size, read back, write again.</summary>
public sealed class MessageRoundTripTests
{
    public static TheoryData<string, short> AllVersions => MessageCatalog.AllVersions();

    [Theory]
    [MemberData(nameof(AllVersions))]
    public void RoundTrip_WithRandomFields_ReadsBackEqualAndRewritesSameBytes(string messageName, short version)
    {
        var type = MessageCatalog.Find(messageName);
        for (int seed = 0; seed < 5; seed++)
        {
            var original = MessageCatalog.Create(type);
            new MessageFiller(HashCode.Combine(messageName.Length, version, seed)).Fill(original, version);

            byte[] bytes = Encode(original, version, out long written);
            Assert.Equal(original.ComputeSize(version), bytes.Length);
            Assert.Equal(bytes.Length, written);

            // Read from one-byte segments half the time, so no read may assume contiguous memory.
            var input = seed % 2 == 0 ? new ReadOnlySequence<byte>(bytes) : Segments.OneBytePerSegment(bytes);
            var decoded = MessageCatalog.Create(type);
            var reader = new ProtocolReader(input);
            decoded.Read(ref reader, version);
            Assert.Equal(0, reader.Remaining);

            MessageFiller.AssertEqual(original, decoded, $"{messageName} v{version} seed {seed}");
            Assert.Equal(bytes, Encode(decoded, version, out _));
        }
    }

    [Theory]
    [MemberData(nameof(AllVersions))]
    public void Write_DefaultMessage_MatchesComputeSizeAndReadsBack(string messageName, short version)
    {
        var type = MessageCatalog.Find(messageName);
        var message = MessageCatalog.Create(type);
        byte[] bytes = Encode(message, version, out _);
        Assert.Equal(message.ComputeSize(version), bytes.Length);

        var decoded = MessageCatalog.Create(type);
        var reader = new ProtocolReader(new ReadOnlySequence<byte>(bytes));
        decoded.Read(ref reader, version);
        Assert.Equal(bytes, Encode(decoded, version, out _));
    }

    internal static byte[] Encode(IProtocolMessage message, short version, out long written)
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new ProtocolWriter(output);
        message.Write(ref writer, version);
        written = writer.Written;
        return output.WrittenSpan.ToArray();
    }
}
