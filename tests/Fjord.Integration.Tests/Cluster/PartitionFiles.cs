using System.Security.Cryptography;

namespace Fjord.Integration.Tests.Cluster;

/// <summary>What a node holds on disk for a partition, read while the broker has the files open. Stateless.</summary>
internal static class PartitionFiles
{
    /// <summary>SHA-256 over the partition's segment files in offset order (read shared: the broker has them open).</summary>
    public static string DigestOfLog(string directory)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        if (Directory.Exists(directory))
        {
            foreach (var file in Directory.GetFiles(directory, "*.log").Order(StringComparer.Ordinal))
            {
                try
                {
                    using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                    var buffer = new byte[stream.Length];
                    stream.ReadExactly(buffer);
                    hash.AppendData(buffer);
                }
                catch (IOException)
                {
                    return "unreadable";
                }
            }
        }
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    /// <summary>The digest of a partition directory that does not exist or holds no segment bytes.</summary>
    public static string EmptyDigest { get; } = DigestOfLog("/nonexistent");
}
