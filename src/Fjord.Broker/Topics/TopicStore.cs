using System.Text.Json;
using System.Text.Json.Serialization;
using Fjord.Protocol;

namespace Fjord.Broker.Topics;

/// <summary>
/// Keeps the topic list beside the logs (<c>&lt;data.dir&gt;/fjord-topics.json</c>) so topics,
/// partition counts and configs survive restarts until the controller quorum owns them.
/// Writes go to a temporary file that is fsynced and renamed over the old one, so a crash leaves
/// either the old or the new list, never a torn one. Not thread-safe; the registry serialises calls.
/// </summary>
public sealed class TopicStore(string dataDir)
{
    private const string FileName = "fjord-topics.json";
    private static readonly JsonSerializerOptions s_options = new() { WriteIndented = true };

    private string FilePath => Path.Combine(dataDir, FileName);

    public IReadOnlyList<TopicMetadata> Load()
    {
        if (!File.Exists(FilePath))
        {
            return [];
        }

        var stored = JsonSerializer.Deserialize<List<StoredTopic>>(File.ReadAllText(FilePath), s_options)
            ?? throw new InvalidDataException($"{FilePath} holds no topic list");
        return stored.ConvertAll(t => new TopicMetadata(
            t.Name, Uuid.Parse(t.TopicId), t.PartitionCount, t.ReplicationFactor,
            new Dictionary<string, string>(t.Configs, StringComparer.Ordinal), t.IsInternal));
    }

    public void Save(IEnumerable<TopicMetadata> topics)
    {
        Directory.CreateDirectory(dataDir);
        var stored = topics.OrderBy(t => t.Name, StringComparer.Ordinal).Select(t => new StoredTopic
        {
            Name = t.Name,
            TopicId = t.TopicId.ToString(),
            PartitionCount = t.PartitionCount,
            ReplicationFactor = t.ReplicationFactor,
            Configs = new SortedDictionary<string, string>(t.ConfigOverrides.ToDictionary(), StringComparer.Ordinal),
            IsInternal = t.IsInternal,
        }).ToList();

        var temporary = FilePath + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(stream, stored, s_options);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, FilePath, overwrite: true);
    }

    private sealed class StoredTopic
    {
        [JsonPropertyName("name")] public string Name { get; set; } = "";
        [JsonPropertyName("topicId")] public string TopicId { get; set; } = "";
        [JsonPropertyName("partitions")] public int PartitionCount { get; set; }
        [JsonPropertyName("replicationFactor")] public short ReplicationFactor { get; set; }
        [JsonPropertyName("configs")] public SortedDictionary<string, string> Configs { get; set; } = [];
        [JsonPropertyName("internal")] public bool IsInternal { get; set; }
    }
}
