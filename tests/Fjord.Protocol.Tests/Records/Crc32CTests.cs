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

    [Fact]
    public void Compute_ReferenceImplementation_MatchesRfc3720Vectors()
    {
        Assert.Equal(0xE3069283u, Crc32CReference.Compute("123456789"u8));
        Assert.Equal(0x8A9136AAu, Crc32CReference.Compute(new byte[32]));
    }

    [Fact]
    public void Compute_EveryLengthAroundInterleavingBoundaries_EqualsReference()
    {
        // The fast path switches at multiples of 3 x 256 and 3 x 4096 bytes; every length within
        // 24 bytes of each such multiple (and all short lengths) checks the block split and tail.
        var random = new Random(23);
        byte[] data = new byte[70_000];
        random.NextBytes(data);
        var lengths = new SortedSet<int>(Enumerable.Range(0, 1600));
        foreach (int block in new[] { 3 * 256, 3 * 4096 })
        {
            for (int multiple = block; multiple <= data.Length; multiple += block)
            {
                for (int delta = -24; delta <= 24; delta++)
                {
                    lengths.Add(Math.Clamp(multiple + delta, 0, data.Length));
                }
            }
        }

        lengths.Add(data.Length);
        foreach (int length in lengths)
        {
            ReadOnlySpan<byte> slice = data.AsSpan(0, length);
            Assert.True(Crc32CReference.Compute(slice) == Crc32C.Compute(slice), $"length {length}");
        }
    }

    [Fact]
    public void Compute_RandomLengthsAndOffsets_EqualsReference()
    {
        // Unaligned starts as well as lengths: the chains read 8 bytes at arbitrary addresses.
        var random = new Random(29);
        byte[] data = new byte[70_008];
        random.NextBytes(data);
        for (int trial = 0; trial < 400; trial++)
        {
            int offset = random.Next(8);
            int length = random.Next(70_001);
            ReadOnlySpan<byte> slice = data.AsSpan(offset, length);
            Assert.True(Crc32CReference.Compute(slice) == Crc32C.Compute(slice), $"offset {offset}, length {length}");
        }
    }

    [Fact]
    public void Append_RandomSplitsOfLongInput_EqualsComputeOfWhole()
    {
        var random = new Random(31);
        byte[] data = new byte[70_000];
        random.NextBytes(data);
        uint whole = Crc32CReference.Compute(data);
        for (int trial = 0; trial < 300; trial++)
        {
            int first = random.Next(data.Length + 1);
            int second = random.Next(first, data.Length + 1);
            uint crc = Crc32C.Compute(data.AsSpan(0, first));
            crc = Crc32C.Append(crc, data.AsSpan(first, second - first));
            crc = Crc32C.Append(crc, data.AsSpan(second));
            Assert.True(whole == crc, $"splits at {first} and {second}");
        }
    }

    [Fact]
    public void Compute_LongMultiSegmentSequence_EqualsReference()
    {
        var random = new Random(37);
        byte[] data = new byte[40_000];
        random.NextBytes(data);
        ReadOnlySequence<byte> sequence = TestSequence.Split(data, 5, 800, 13_000, 20_000);
        Assert.False(sequence.IsSingleSegment);
        Assert.Equal(Crc32CReference.Compute(data), Crc32C.Compute(sequence));
    }
}
