using System.Buffers;
using BenchmarkDotNet.Attributes;
using Fjord.Protocol.Records;
using Fjord.Storage;
using Microsoft.Win32.SafeHandles;

namespace Fjord.Benchmarks.Storage;

/// <summary>
/// The partition log against the disk it runs on, side by side in one run (issue 3): appending
/// 16 KiB batches of 1 KiB records through <see cref="PartitionLog.Append(ReadOnlyMemory{byte}, int)"/>
/// versus a plain sequential <see cref="RandomAccess.Write(SafeFileHandle, ReadOnlySpan{byte}, long)"/>
/// of the same bytes, and reading them back through <see cref="PartitionLog.Read"/> (1 MiB fetches,
/// CRC-checked) versus <see cref="RandomAccess.Read(SafeFileHandle, Span{byte}, long)"/> of 1 MiB
/// chunks. One operation is one 16 KiB batch (64 per invocation), so "Allocated" is bytes per append.
/// Both writers start a new 64 MiB file when the current one is full (the log rolls a segment and
/// fsyncs the closed one, as Fjord always does; old segments are dropped with DeleteRecords), so the
/// disk footprint stays bounded. Run: make bench-storage.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkDotNet.Configs.BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class LogAppendReadBenchmarks
{
    private const int RecordSize = 1024;
    private const int RecordsPerBatch = 16;
    private const int BatchesPerInvoke = 64;
    private const int SegmentBytes = 64 * 1024 * 1024;
    private const int ReadChunk = 1024 * 1024;

    private string _dir = "";
    private byte[] _batch = [];
    private PartitionLog _appendLog = null!;
    private SafeFileHandle _rawFile = null!;
    private long _rawPosition;
    private int _rawFiles;
    private PartitionLog _readLog = null!;
    private SafeFileHandle _readFile = null!;
    private long _readFileLength;
    private long _readOffset;
    private long _rawReadPosition;
    private byte[] _readBuffer = [];

    [GlobalSetup]
    public void Setup()
    {
        _dir = Path.Combine(Path.GetTempPath(), "fjord-bench-storage-" + Environment.ProcessId);
        Directory.CreateDirectory(_dir);
        using (var builder = new RecordBatchBuilder(CompressionType.None, 32 * 1024))
        {
            var value = new byte[RecordSize];
            Random.Shared.NextBytes(value);
            for (int i = 0; i < RecordsPerBatch; i++)
                builder.Append(1_700_000_000_000 + i, null, value);
            _batch = builder.ToArray();
        }
        var config = LogConfig.Default with { SegmentBytes = SegmentBytes, FileDeleteDelayMs = 0, RetentionMs = -1 };
        _appendLog = PartitionLog.Open(Path.Combine(_dir, "append-0"), config);
        _rawFile = NewRawFile();

        // The read side: 64 MiB written once through the log, and the same bytes in a plain file.
        _readLog = PartitionLog.Open(Path.Combine(_dir, "read-0"), config with { SegmentBytes = 1024 * 1024 * 1024 });
        string readPath = Path.Combine(_dir, "read-raw.bin");
        using (var raw = File.OpenHandle(readPath, FileMode.Create, FileAccess.ReadWrite))
        {
            long position = 0;
            while (position < SegmentBytes)
            {
                var result = _readLog.Append(_batch, 0);
                // The raw copy holds the bytes as stored (with their stamped offsets), read back from the log.
                RandomAccess.Write(raw, _batch, position);
                position += _batch.Length;
                _ = result;
            }
        }
        _readFile = File.OpenHandle(readPath, FileMode.Open, FileAccess.Read);
        _readFileLength = RandomAccess.GetLength(_readFile);
        _readBuffer = new byte[ReadChunk];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _appendLog.Dispose();
        _readLog.Dispose();
        _rawFile.Dispose();
        _readFile.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = BatchesPerInvoke)]
    [BenchmarkCategory("append")]
    public void RandomAccessWrite()
    {
        for (int i = 0; i < BatchesPerInvoke; i++)
        {
            if (_rawPosition + _batch.Length > SegmentBytes)
            {
                _rawFile.Dispose();
                File.Delete(Path.Combine(_dir, $"raw-{_rawFiles - 1}.bin"));
                _rawFile = NewRawFile();
            }
            RandomAccess.Write(_rawFile, _batch, _rawPosition);
            _rawPosition += _batch.Length;
        }
    }

    [Benchmark(OperationsPerInvoke = BatchesPerInvoke)]
    [BenchmarkCategory("append")]
    public long LogAppend()
    {
        long last = 0;
        for (int i = 0; i < BatchesPerInvoke; i++)
            last = _appendLog.Append(_batch, 0).LastOffset;
        if (_appendLog.SegmentCount > 2)
        {
            // Keep the footprint bounded: drop closed segments (the delete delay is 0).
            _appendLog.DeleteRecordsBefore(-1);
            _appendLog.RunMaintenance();
        }
        return last;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = ReadChunk / (16 * 1024))]
    [BenchmarkCategory("read")]
    public int RandomAccessRead()
    {
        if (_rawReadPosition + ReadChunk > _readFileLength)
            _rawReadPosition = 0;
        int n = RandomAccess.Read(_readFile, _readBuffer, _rawReadPosition);
        _rawReadPosition += n;
        return n;
    }

    [Benchmark(OperationsPerInvoke = ReadChunk / (16 * 1024))]
    [BenchmarkCategory("read")]
    public int LogRead()
    {
        if (_readOffset >= _readLog.HighWatermark)
            _readOffset = 0;
        using var result = _readLog.Read(_readOffset, ReadChunk);
        var records = result.Records.Span;
        // Advance past the last whole batch served.
        int position = 0;
        long next = _readOffset;
        while (position + RecordBatchHeader.HeaderSize <= records.Length)
        {
            var header = RecordBatchHeader.Read(records[position..]);
            next = header.NextOffset;
            position += header.TotalSize;
        }
        _readOffset = next;
        return records.Length;
    }

    private SafeFileHandle NewRawFile()
    {
        _rawPosition = 0;
        return File.OpenHandle(Path.Combine(_dir, $"raw-{_rawFiles++}.bin"), FileMode.Create, FileAccess.ReadWrite);
    }
}
