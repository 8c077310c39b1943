using Fjord.Protocol.Records;

namespace Fjord.Protocol.Tests.Records;

public class ZigZagVarintTests
{
    [Theory]
    [InlineData(0, new byte[] { 0x00 })]
    [InlineData(-1, new byte[] { 0x01 })]
    [InlineData(1, new byte[] { 0x02 })]
    [InlineData(-64, new byte[] { 0x7F })]
    [InlineData(64, new byte[] { 0x80, 0x01 })]
    [InlineData(int.MaxValue, new byte[] { 0xFE, 0xFF, 0xFF, 0xFF, 0x0F })]
    [InlineData(int.MinValue, new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0x0F })]
    public void WriteInt32_KnownValues_MatchProtobufSint32(int value, byte[] expected)
    {
        Span<byte> buffer = stackalloc byte[5];
        int written = ZigZagVarint.WriteInt32(buffer, value);
        Assert.Equal(expected, buffer[..written].ToArray());
        Assert.Equal(written, ZigZagVarint.SizeOfInt32(value));
        Assert.True(ZigZagVarint.TryReadInt32(expected, out int read, out int consumed));
        Assert.Equal(value, read);
        Assert.Equal(expected.Length, consumed);
    }

    [Fact]
    public void Int64_RoundTrip_SeededRandomAndExtremes()
    {
        var random = new Random(3);
        Span<byte> buffer = stackalloc byte[10];
        long[] extremes = [0, -1, 1, long.MaxValue, long.MinValue, int.MaxValue, (long)int.MinValue - 1];
        foreach (long value in extremes.Concat(Enumerable.Range(0, 1000).Select(_ => random.NextInt64(long.MinValue, long.MaxValue))))
        {
            int written = ZigZagVarint.WriteInt64(buffer, value);
            Assert.Equal(written, ZigZagVarint.SizeOfInt64(value));
            Assert.True(ZigZagVarint.TryReadInt64(buffer[..written], out long read, out int consumed));
            Assert.Equal(value, read);
            Assert.Equal(written, consumed);
        }
    }

    [Fact]
    public void TryRead_TruncatedOrOverlong_ReturnsFalse()
    {
        Assert.False(ZigZagVarint.TryReadInt32([0x80, 0x80], out _, out _));
        Assert.False(ZigZagVarint.TryReadInt32([0x80, 0x80, 0x80, 0x80, 0x80, 0x01], out _, out _));
        Assert.False(ZigZagVarint.TryReadInt64([], out _, out _));
        Assert.False(ZigZagVarint.TryReadInt64(Enumerable.Repeat((byte)0x80, 11).ToArray(), out _, out _));
    }
}
