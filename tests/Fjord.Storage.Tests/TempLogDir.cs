namespace Fjord.Storage.Tests;

/// <summary>A temporary data dir removed on dispose; <see cref="PartitionDir"/> is a partition directory inside it.</summary>
internal sealed class TempLogDir : IDisposable
{
    public TempLogDir(string partitionDirName = "test-topic-0")
    {
        DataDir = Path.Combine(Path.GetTempPath(), "fjord-storage-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(DataDir);
        PartitionDir = Path.Combine(DataDir, partitionDirName);
    }

    public string DataDir { get; }

    public string PartitionDir { get; }

    public string[] LogFiles() => Directory.GetFiles(PartitionDir, "*.log").Order(StringComparer.Ordinal).ToArray();

    public void Dispose()
    {
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
