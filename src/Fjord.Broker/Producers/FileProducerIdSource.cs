using System.Globalization;

namespace Fjord.Broker.Producers;

/// <summary>
/// Single-node mode's producer ids for InitProducerId. Ids are reserved in blocks whose upper bound is
/// written to <c>&lt;data.dir&gt;/fjord-producer-ids</c> (temp file, fsync, rename) before any id of
/// the block is used, so a restart, even after kill -9, never issues an id twice.
/// Not for cluster mode: two nodes would issue the same ids. Thread-safe: one lock around allocation.
/// </summary>
public sealed class FileProducerIdSource : IProducerIdSource
{
    private const long BlockSize = 1000;
    private const string FileName = "fjord-producer-ids";
    private readonly object _lock = new();
    private readonly string _path;
    private long _next;
    private long _blockEnd;

    public FileProducerIdSource(string dataDir)
    {
        Directory.CreateDirectory(dataDir);
        _path = Path.Combine(dataDir, FileName);
        _next = File.Exists(_path) ? long.Parse(File.ReadAllText(_path).Trim(), CultureInfo.InvariantCulture) : 0;
        _blockEnd = _next;
    }

    public ValueTask<ProducerIdGrant> NextProducerIdAsync(CancellationToken cancel) => new(ProducerIdGrant.Of(NextProducerId()));

    private long NextProducerId()
    {
        lock (_lock)
        {
            if (_next >= _blockEnd)
            {
                ReserveBlock(_next + BlockSize);
            }

            return _next++;
        }
    }

    private void ReserveBlock(long end)
    {
        var temporary = _path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(end.ToString(CultureInfo.InvariantCulture));
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, _path, overwrite: true);
        _blockEnd = end;
    }
}
