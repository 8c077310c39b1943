using System.Buffers;
using System.Text;
using Fjord.Protocol.Records;

namespace Fjord.Protocol.Tests.Records;

public class Crc32CTests
{
    [Theory]
    [InlineData("", 0x00000000u)]
    [InlineData("a", 0xC1D04330u)]
    [InlineData("abc", 0x364B3FB7u)]
    [InlineData("123456789", 0xE3069283u)]
    [InlineData("The quick brown fox jumps over the lazy dog", 0x22620404u)]
    public void Compute_KnownAsciiVectors_MatchCastagnoli(string input, uint expected)
    {
        Assert.Equal(expected, Crc32C.Compute(Encoding.ASCII.GetBytes(input)));
    }

    [Fact]
    public void Compute_Rfc3720Vectors_Match()
    {
        // RFC 3720 appendix B.4: 32 bytes of zeros, of 0xFF, and ascending 0..31.
        Assert.Equal(0x8A9136AAu, Crc32C.Compute(new byte[32]));
        Assert.Equal(0x62A8AB43u, Crc32C.Compute(Enumerable.Repeat((byte)0xFF, 32).ToArray()));
        Assert.Equal(0x46DD794Eu, Crc32C.Compute(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray()));
    }

    [Fact]
    public void Append_SplitAnywhere_EqualsComputeOfWhole()
    {
        var random = new Random(7);
        byte[] data = new byte[257];
        random.NextBytes(data);
        uint whole = Crc32C.Compute(data);
        for (int split = 0; split <= data.Length; split++)
        {
            uint appended = Crc32C.Append(Crc32C.Compute(data.AsSpan(0, split)), data.AsSpan(split));
            Assert.Equal(whole, appended);
        }
    }

    [Fact]
    public void Compute_MultiSegmentSequence_EqualsContiguous()
    {
        var random = new Random(11);
        byte[] data = new byte[1000];
        random.NextBytes(data);
        ReadOnlySequence<byte> sequence = TestSequence.Split(data, 3, 1, 8, 13, 500);
        Assert.False(sequence.IsSingleSegment);
        Assert.Equal(Crc32C.Compute(data), Crc32C.Compute(sequence));
    }
}
