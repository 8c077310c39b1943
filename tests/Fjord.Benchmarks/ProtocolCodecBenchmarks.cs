using System.Buffers;
using BenchmarkDotNet.Attributes;
using Fjord.Protocol;
using Fjord.Protocol.Messages;
using Fjord.Protocol.Records;

namespace Fjord.Benchmarks;

/// <summary>
/// Decoding and encoding of the two hot messages: a 1 MiB Produce request (v9, 16 partitions of
/// 64 KiB record batches) and the matching Fetch response (v12). Records fields are slices of the
/// input, so the cost measured is the protocol framing, not copying the payload, on decode.
/// </summary>
[MemoryDiagnoser]
public class ProtocolCodecBenchmarks
{
    private const short ProduceVersion = 9;
    private const short FetchVersion = 12;
    private readonly ArrayBufferWriter<byte> _output = new(2 * 1024 * 1024);
    private byte[] _produceBytes = [];
    private byte[] _fetchBytes = [];
    private ProduceRequest _produce = new();
    private FetchResponse _fetch = new();

    [GlobalSetup]
    public void Setup()
    {
        var batch = BuildBatch(64 * 1024);
        _produce = new ProduceRequest { Acks = -1, TimeoutMs = 30_000 };
        var topic = new ProduceRequest.TopicProduceData { Name = "bench" };
        _fetch = new FetchResponse();
        var fetchTopic = new FetchResponse.FetchableTopicResponse { Topic = "bench" };
        for (var partition = 0; partition < 16; partition++)
        {
            topic.PartitionData.Add(new ProduceRequest.PartitionProduceData { Index = partition, Records = new ReadOnlySequence<byte>(batch) });
            fetchTopic.Partitions.Add(new FetchResponse.PartitionData { PartitionIndex = partition, HighWatermark = 1000, Records = new ReadOnlySequence<byte>(batch) });
        }

        _produce.TopicData.Add(topic);
        _fetch.Responses.Add(fetchTopic);
        _produceBytes = Encode(_produce, ProduceVersion);
        _fetchBytes = Encode(_fetch, FetchVersion);
    }

    [Benchmark]
    public int DecodeProduceRequest1MiB()
    {
        var reader = new ProtocolReader(new ReadOnlySequence<byte>(_produceBytes));
        var request = new ProduceRequest();
        request.Read(ref reader, ProduceVersion);
        return request.TopicData.Count;
    }

    [Benchmark]
    public int EncodeProduceRequest1MiB()
    {
        _output.ResetWrittenCount();
        var writer = new ProtocolWriter(_output);
        _produce.Write(ref writer, ProduceVersion);
        return _output.WrittenCount;
    }

    [Benchmark]
    public int DecodeFetchResponse1MiB()
    {
        var reader = new ProtocolReader(new ReadOnlySequence<byte>(_fetchBytes));
        var response = new FetchResponse();
        response.Read(ref reader, FetchVersion);
        return response.Responses.Count;
    }

    [Benchmark]
    public int EncodeFetchResponse1MiB()
    {
        _output.ResetWrittenCount();
        var size = _fetch.ComputeSize(FetchVersion);
        var writer = new ProtocolWriter(_output);
        _fetch.Write(ref writer, FetchVersion);
        return size;
    }

    [Benchmark]
    public bool ValidateProduceBatches1MiB()
    {
        var valid = true;
        foreach (var partition in _produce.TopicData[0].PartitionData)
        {
            valid &= RecordBatchValidator.Validate(partition.Records!.Value).IsValid;
        }

        return valid;
    }

    private static byte[] BuildBatch(int size)
    {
        using var builder = new RecordBatchBuilder();
        var value = new byte[1000];
        Random.Shared.NextBytes(value);
        while (builder.UncompressedRecordsSize < size - 1100)
        {
            builder.Append(1_700_000_000_000, null, value);
        }

        return builder.ToArray();
    }

    private static byte[] Encode(IProtocolMessage message, short version)
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new ProtocolWriter(output);
        message.Write(ref writer, version);
        return output.WrittenSpan.ToArray();
    }
}
