using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;

namespace Fjord.Bench;

/// <summary>
/// What the machine can do at all: loopback TCP throughput (a plain socket pump, 64 KiB writes)
/// and sequential file writes with and without fsync, on the file system the servers use.
/// </summary>
public static class PhysicalLimits
{
    public static double LoopbackTcpMegabytesPerSecond(TimeSpan duration)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        long received = 0;
        var reader = new Thread(() =>
        {
            using var socket = listener.AcceptSocket();
            var buffer = new byte[256 * 1024];
            int n;
            while ((n = socket.Receive(buffer)) > 0)
            {
                received += n;
            }
        });
        reader.Start();
        using (var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            client.Connect(IPAddress.Loopback, port);
            var chunk = new byte[64 * 1024];
            Random.Shared.NextBytes(chunk);
            var sw = Stopwatch.StartNew();
            while (sw.Elapsed < duration)
            {
                client.Send(chunk);
            }

            client.Shutdown(SocketShutdown.Send);
        }

        reader.Join();
        return received / duration.TotalSeconds / 1_000_000;
    }

    /// <summary>Sequential writes of <paramref name="writeSize"/> bytes; fsync after every write when asked.</summary>
    public static double DiskWriteMegabytesPerSecond(string directory, int writeSize, bool fsyncEachWrite, long maxBytes, TimeSpan maxDuration)
    {
        var path = Path.Combine(directory, "fjord-bench-disk-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            using SafeFileHandle handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            var block = new byte[writeSize];
            Random.Shared.NextBytes(block);
            var sw = Stopwatch.StartNew();
            long written = 0;
            while (written < maxBytes && sw.Elapsed < maxDuration)
            {
                RandomAccess.Write(handle, block, written);
                written += writeSize;
                if (fsyncEachWrite)
                {
                    RandomAccess.FlushToDisk(handle);
                }
            }

            // Without per-write fsync, the figure is what the page cache absorbs: the rate an
            // acks=1 broker that never fsyncs can sustain until dirty pages throttle it.
            return written / sw.Elapsed.TotalSeconds / 1_000_000;
        }
        finally
        {
            File.Delete(path);
        }
    }
}
