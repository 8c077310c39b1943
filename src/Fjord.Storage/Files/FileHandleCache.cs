using Microsoft.Win32.SafeHandles;

namespace Fjord.Storage;

/// <summary>
/// A least-recently-used bound on the OS handles of segment files, so that thousands of partitions
/// (each with several segments) do not hold thousands of open files. A <see cref="CachedFile"/> opens
/// its handle on demand through this cache; callers lease the handle for the duration of one I/O and
/// idle handles beyond <see cref="Capacity"/> are closed, least recently used first. A leased handle is
/// never closed under its user: the cache may go over capacity while every handle is leased.
/// Thread-safe: one short lock around the bookkeeping (the I/O itself happens outside it).
/// </summary>
public sealed class FileHandleCache : IDisposable
{
    private readonly Lock _lock = new();
    private readonly LinkedList<CachedFile> _open = new();
    private bool _disposed;

    /// <param name="capacity">How many handles may stay open while idle (Kafka has no such bound; 1024 is comfortably under the usual ulimit).</param>
    public FileHandleCache(int capacity = 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    /// <summary>How many idle handles may stay open.</summary>
    public int Capacity { get; }

    /// <summary>How many handles are open right now (for metrics and tests).</summary>
    public int OpenCount
    {
        get
        {
            lock (_lock)
                return _open.Count;
        }
    }

    /// <summary>Creates a cache entry for <paramref name="path"/>; no handle is opened until the first lease.</summary>
    public CachedFile Register(string path) => new(this, path);

    // Called by CachedFile.Acquire under no lock; returns an open handle with one more lease.
    internal SafeFileHandle Acquire(CachedFile file)
    {
        List<SafeFileHandle>? evicted = null;
        SafeFileHandle handle;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (file.IsDeleted)
                throw new ObjectDisposedException(file.Path, "The segment file was deleted.");
            if (file.Handle is null)
            {
                // File.OpenHandle under the lock keeps the bookkeeping simple; opening is a short syscall.
                file.Handle = File.OpenHandle(file.Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
                file.Node = _open.AddFirst(file);
            }
            else if (file.Node is not null)
            {
                _open.Remove(file.Node);
                _open.AddFirst(file.Node);
            }
            file.Leases++;
            handle = file.Handle;

            var node = _open.Last;
            while (_open.Count > Capacity && node is not null)
            {
                var previous = node.Previous;
                var candidate = node.Value;
                if (candidate.Leases == 0)
                {
                    _open.Remove(node);
                    candidate.Node = null;
                    (evicted ??= []).Add(candidate.Handle!);
                    candidate.Handle = null;
                }
                node = previous;
            }
        }
        if (evicted is not null)
        {
            foreach (var h in evicted)
                h.Dispose();
        }
        return handle;
    }

    internal void Release(CachedFile file)
    {
        SafeFileHandle? toClose = null;
        lock (_lock)
        {
            file.Leases--;
            if (file.Leases == 0 && (file.CloseRequested || _disposed || _open.Count > Capacity) && file.Handle is not null)
            {
                if (file.Node is not null)
                    _open.Remove(file.Node);
                file.Node = null;
                toClose = file.Handle;
                file.Handle = null;
                file.CloseRequested = false;
            }
        }
        toClose?.Dispose();
    }

    /// <summary>Closes the handle of <paramref name="file"/> now, or when its last lease ends.</summary>
    internal void Close(CachedFile file, bool deleted)
    {
        SafeFileHandle? toClose = null;
        lock (_lock)
        {
            if (deleted)
                file.IsDeleted = true;
            if (file.Handle is null)
                return;
            if (file.Leases > 0)
            {
                file.CloseRequested = true;
                return;
            }
            if (file.Node is not null)
                _open.Remove(file.Node);
            file.Node = null;
            toClose = file.Handle;
            file.Handle = null;
        }
        toClose.Dispose();
    }

    internal void Rename(CachedFile file, string newPath)
    {
        lock (_lock)
        {
            // An open handle stays valid across rename on every platform Fjord runs on (FileShare.Delete).
            File.Move(file.Path, newPath, overwrite: true);
            file.Path = newPath;
        }
    }

    /// <summary>Closes every idle handle; leased ones close when released.</summary>
    public void Dispose()
    {
        List<SafeFileHandle> toClose = [];
        lock (_lock)
        {
            if (_disposed)
                return;
            _disposed = true;
            var node = _open.First;
            while (node is not null)
            {
                var next = node.Next;
                if (node.Value.Leases == 0)
                {
                    toClose.Add(node.Value.Handle!);
                    node.Value.Handle = null;
                    node.Value.Node = null;
                    _open.Remove(node);
                }
                node = next;
            }
        }
        foreach (var h in toClose)
            h.Dispose();
    }
}
