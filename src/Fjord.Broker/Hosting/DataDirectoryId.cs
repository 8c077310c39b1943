using System.Globalization;
using Fjord.Broker.Configuration;

namespace Fjord.Broker.Hosting;

/// <summary>
/// The id of this broker's data directory (Kafka's KIP-858 directory id), made once when the directory has none and
/// kept in <c>&lt;data.dir&gt;/directory.id</c>. The broker registers with it, so the controller can tell a restart
/// on the same disk from one on an empty or replaced volume, whose replicas no longer hold what they were in sync for
/// (KIP-903). Immutable; thread-safe.
/// </summary>
public sealed record DataDirectoryId(Guid Id)
{
    private const string FileName = "directory.id";

    public static DataDirectoryId LoadOrCreate(string dataDir)
    {
        Directory.CreateDirectory(dataDir);
        var path = Path.Combine(dataDir, FileName);
        if (File.Exists(path))
        {
            var text = File.ReadAllText(path).Trim();
            return Guid.TryParseExact(text, "D", out var id) && id != Guid.Empty
                ? new DataDirectoryId(id)
                : throw new ConfigException($"{path} does not hold a directory id: '{text}'");
        }
        var created = new DataDirectoryId(Guid.NewGuid());
        // Written whole or not at all: a torn file would make the next start refuse the directory.
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, created.Id.ToString("D", CultureInfo.InvariantCulture) + "\n");
        File.Move(temporary, path, overwrite: true);
        return created;
    }
}
