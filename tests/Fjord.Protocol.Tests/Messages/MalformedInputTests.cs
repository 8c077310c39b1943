using System.Buffers;
using Fjord.Protocol.Messages;

namespace Fjord.Protocol.Tests.Messages;

/// <summary>Truncated, random and hostile inputs must end in <see cref="ProtocolException"/>, nothing else.</summary>
public sealed class MalformedInputTests
{
    public static TheoryData<string, short> AllVersions => MessageCatalog.AllVersions();

    [Theory]
    [MemberData(nameof(AllVersions))]
    public void Read_TruncatedInput_ThrowsProtocolException(string messageName, short version)
    {
        var type = MessageCatalog.Find(messageName);
        var message = MessageCatalog.Create(type);
        new MessageFiller(HashCode.Combine(messageName.Length, version)).Fill(message, version);
        byte[] bytes = MessageRoundTripTests.Encode(message, version, out _);

        // Every prefix up to 256 bytes, then a sample of longer ones.
        for (int length = 0; length < bytes.Length; length = length < 256 ? length + 1 : length + 1 + (length / 16))
        {
            int cut = length;
            var exception = Record.Exception(() => Read(type, bytes.AsMemory(0, cut), version));
            Assert.True(
                exception is ProtocolException,
                $"{messageName} v{version} cut at {cut}/{bytes.Length}: {exception?.GetType().Name ?? "no exception"} {exception?.Message}");
        }
    }

    [Theory]
    [MemberData(nameof(AllVersions))]
    public void Read_RandomAndMutatedBytes_ThrowsOnlyProtocolException(string messageName, short version)
    {
        var type = MessageCatalog.Find(messageName);
        var random = new Random(HashCode.Combine(messageName.Length, version, 7));
        var valid = MessageCatalog.Create(type);
        new MessageFiller(random.Next()).Fill(valid, version);
        byte[] encoded = MessageRoundTripTests.Encode(valid, version, out _);

        for (int round = 0; round < 60; round++)
        {
            byte[] input;
            if (round % 2 == 0 || encoded.Length == 0)
            {
                input = new byte[random.Next(0, 48)];
                random.NextBytes(input);
            }
            else
            {
                // Mutations of a valid encoding get past the first fields and reach the deep paths.
                input = (byte[])encoded.Clone();
                for (int flips = random.Next(1, 4); flips > 0; flips--)
                {
                    input[random.Next(input.Length)] = (byte)random.Next(256);
                }
            }

            var exception = Record.Exception(() => Read(type, input, version));
            Assert.True(
                exception is null or ProtocolException,
                $"{messageName} v{version} round {round} input {Convert.ToHexString(input)}: {exception}");
        }
    }

    [Fact]
    public void Read_ArrayLengthIntMaxValue_ThrowsWithoutAllocating()
    {
        // MetadataRequest v1: Topics is an int32-length array; 0x7fffffff elements with no bytes behind them.
        byte[] body = [0x7f, 0xff, 0xff, 0xff];
        long before = GC.GetAllocatedBytesForCurrentThread();
        var exception = Record.Exception(() => Read(typeof(MetadataRequest), body, 1));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.IsType<ProtocolException>(exception);
        Assert.True(allocated < 64 * 1024, $"allocated {allocated} bytes");
    }

    [Fact]
    public void Read_CompactArrayLengthBeyondInt_ThrowsProtocolException()
    {
        // MetadataRequest v12 (flexible): uvarint 0xffffffff means 0xfffffffe elements.
        byte[] body = [0xff, 0xff, 0xff, 0xff, 0x0f];
        Assert.Throws<ProtocolException>(() => Read(typeof(MetadataRequest), body, 12));
    }

    [Fact]
    public void Read_StringLengthBeyondInput_ThrowsWithoutAllocating()
    {
        // SaslHandshakeRequest v1: Mechanism, int16 length 0x7fff with one byte behind it.
        byte[] body = [0x7f, 0xff, 0x41];
        long before = GC.GetAllocatedBytesForCurrentThread();
        var exception = Record.Exception(() => Read(typeof(SaslHandshakeRequest), body, 1));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.IsType<ProtocolException>(exception);
        Assert.True(allocated < 64 * 1024, $"allocated {allocated} bytes");
    }

    [Fact]
    public void Read_NullForNonNullableString_ThrowsProtocolException()
    {
        // SaslHandshakeRequest v1: Mechanism is not nullable.
        byte[] body = [0xff, 0xff];
        Assert.Throws<ProtocolException>(() => Read(typeof(SaslHandshakeRequest), body, 1));
    }

    private static void Read(Type type, ReadOnlyMemory<byte> bytes, short version)
    {
        var message = MessageCatalog.Create(type);
        var reader = new ProtocolReader(new ReadOnlySequence<byte>(bytes));
        message.Read(ref reader, version);
    }
}
