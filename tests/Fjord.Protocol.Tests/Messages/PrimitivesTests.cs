using System.Buffers;
using FsCheck.Xunit;

namespace Fjord.Protocol.Tests.Messages;

public sealed class PrimitivesTests
{
    [Property]
    public bool UnsignedVarInt_RoundTrips_WithPredictedSize(uint value)
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new ProtocolWriter(output);
        writer.WriteUnsignedVarInt(value);
        var reader = new ProtocolReader(new ReadOnlySequence<byte>(output.WrittenMemory));
        return reader.ReadUnsignedVarInt() == value && output.WrittenCount == ProtocolSize.UnsignedVarInt(value) && reader.Remaining == 0;
    }

    [Property]
    public bool VarLong_RoundTrips_WithPredictedSize(long value)
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new ProtocolWriter(output);
        writer.WriteVarLong(value);
        var reader = new ProtocolReader(new ReadOnlySequence<byte>(output.WrittenMemory));
        return reader.ReadVarLong() == value && output.WrittenCount == ProtocolSize.VarLong(value);
    }

    [Property]
    public bool VarInt_RoundTrips_WithPredictedSize(int value)
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new ProtocolWriter(output);
        writer.WriteVarInt(value);
        var reader = new ProtocolReader(new ReadOnlySequence<byte>(output.WrittenMemory));
        return reader.ReadVarInt() == value && output.WrittenCount == ProtocolSize.VarInt(value);
    }

    [Fact]
    public void UnsignedVarInt_SixBytes_ThrowsProtocolException()
    {
        byte[] bytes = [0x80, 0x80, 0x80, 0x80, 0x80, 0x01];
        Assert.Throws<ProtocolException>(() => new ProtocolReader(new ReadOnlySequence<byte>(bytes)).ReadUnsignedVarInt());
    }

    [Fact]
    public void Uuid_ToString_IsKafkaBase64()
    {
        Assert.Equal("AAAAAAAAAAAAAAAAAAAAAA", Uuid.Zero.ToString());
        Assert.Equal("AAAAAAAAAAAAAAAAAAAAAQ", Uuid.MetadataTopicId.ToString());
        var uuid = new Uuid(unchecked((long)0xfbfbfbfbfbfbfbfbUL), 0x0123456789abcdefL);
        Assert.Equal("-_v7-_v7-_sBI0VniavN7w", uuid.ToString());
        Assert.Equal(uuid, Uuid.Parse(uuid.ToString()));
    }

    [Fact]
    public void Uuid_NewRandom_IsVersion4AndNeverReserved()
    {
        var random = new Random(1);
        for (int i = 0; i < 1000; i++)
        {
            var uuid = i % 2 == 0 ? Uuid.NewRandom() : Uuid.NewRandom(random);
            Assert.Equal(4, (uuid.MostSignificantBits >> 12) & 0xf);
            Assert.NotEqual(Uuid.Zero, uuid);
            Assert.False(uuid.ToString().StartsWith('-'));
            Assert.Equal(uuid, Uuid.Parse(uuid.ToString()));
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("AAAA")]
    [InlineData("AAAAAAAAAAAAAAAAAAAA+Q")]
    public void Uuid_Parse_BadText_Throws(string text)
    {
        Assert.False(Uuid.TryParse(text, out _));
        Assert.Throws<FormatException>(() => Uuid.Parse(text));
    }

    [Fact]
    public void WriteRecords_MultiSegment_CopiesEverySegment()
    {
        byte[] records = [1, 2, 3, 4, 5, 6, 7];
        var output = new ArrayBufferWriter<byte>();
        var writer = new ProtocolWriter(output);
        writer.WriteRecords(Segments.OneBytePerSegment(records), compact: true);
        Assert.Equal(new byte[] { 8, 1, 2, 3, 4, 5, 6, 7 }, output.WrittenSpan.ToArray());
    }
}
