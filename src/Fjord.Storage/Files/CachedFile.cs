using Microsoft.Win32.SafeHandles;

namespace Fjord.Storage;

/// <summary>
/// One segment file whose OS handle comes and goes with the <see cref="FileHandleCache"/>. Use
/// <see cref="Acquire"/> around each positional read or write: the lease keeps the handle open until
/// disposed. Thread-safe; leases may be taken from any thread concurrently.
/// </summary>
public sealed class CachedFile
{
    private readonly FileHandleCache _cache;

    internal CachedFile(FileHandleCache cache, string path)
    {
        _cache = cache;
        Path = path;
    }

    /// <summary>The file's current path (changes when the segment is renamed for deletion).</summary>
    public string Path { get; internal set; }

    // Bookkeeping guarded by the cache's lock.
    internal SafeFileHandle? Handle { get; set; }
    internal LinkedListNode<CachedFile>? Node { get; set; }
    internal int Leases { get; set; }
    internal bool CloseRequested { get; set; }
    internal bool IsDeleted { get; set; }

    /// <summary>Opens the file if needed and leases its handle; dispose the lease when the I/O is done.</summary>
    /// <exception cref="ObjectDisposedException">The file was deleted (a reader raced with retention).</exception>
    public Lease Acquire() => new(this, _cache.Acquire(this));

    /// <summary>Closes the handle (now, or after the last lease); the next lease reopens it.</summary>
    public void CloseHandle() => _cache.Close(this, deleted: false);

    /// <summary>Renames the file; leases already taken keep working.</summary>
    public void Rename(string newPath) => _cache.Rename(this, newPath);

    /// <summary>Closes the handle for good: later leases throw <see cref="ObjectDisposedException"/>.</summary>
    public void MarkDeleted() => _cache.Close(this, deleted: true);

    /// <summary>A leased, open handle. Not thread-safe to dispose twice; dispose exactly once.</summary>
    public readonly struct Lease : IDisposable
    {
        private readonly CachedFile _file;

        internal Lease(CachedFile file, SafeFileHandle handle)
        {
            _file = file;
            Handle = handle;
        }

        /// <summary>The open handle; valid until <see cref="Dispose"/>.</summary>
        public SafeFileHandle Handle { get; }

        public void Dispose() => _file._cache.Release(_file);
    }
}
