using System.Buffers.Binary;
using System.Numerics;
using BenchmarkDotNet.Attributes;
using Fjord.Protocol.Records;

namespace Fjord.Benchmarks;

/// <summary>
/// CRC-32C of 1 KiB, 16 KiB and 1 MiB: the interleaved <see cref="Crc32C"/> against the one-chain
/// loop it replaced (kept here only as the baseline).
/// </summary>
public class Crc32CBenchmarks
{
    private byte[] _data = [];

    [Params(768, 1024, 16 * 1024, 1024 * 1024)]
    public int Length { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _data = new byte[Length];
        new Random(1).NextBytes(_data);
    }

    [Benchmark(Baseline = true)]
    public uint OneChain()
    {
        uint state = 0xFFFFFFFF;
        ReadOnlySpan<byte> data = _data;
        while (data.Length >= sizeof(ulong))
        {
            state = BitOperations.Crc32C(state, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[sizeof(ulong)..];
        }

        foreach (byte b in data)
        {
            state = BitOperations.Crc32C(state, b);
        }

        return ~state;
    }

    [Benchmark]
    public uint Interleaved() => Crc32C.Compute(_data);
}
