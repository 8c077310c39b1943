using System.Globalization;
using Fjord.Broker.Configuration;
using Fjord.Protocol;

namespace Fjord.Broker.Hosting;

/// <summary>
/// The cluster id and node id recorded in <c>&lt;data.dir&gt;/meta.properties</c>, as Kafka keeps
/// them: the cluster id is made once and a data dir can never be reused by another node id.
/// Immutable; thread-safe.
/// </summary>
public sealed record ClusterIdentity(string ClusterId, int NodeId)
{
    /// <summary>The file name under the data dir.</summary>
    public const string FileName = "meta.properties";

    public static ClusterIdentity LoadOrCreate(string dataDir, int nodeId)
    {
        Directory.CreateDirectory(dataDir);
        var path = Path.Combine(dataDir, FileName);
        if (File.Exists(path))
        {
            var properties = BrokerSettingsLoader.ParseProperties(File.ReadAllText(path), path).ToDictionary(p => p.Key, p => p.Value);
            if (!properties.TryGetValue("cluster.id", out var clusterId) || !properties.TryGetValue("node.id", out var storedNode))
            {
                throw new ConfigException($"{path} lacks cluster.id or node.id");
            }

            if (int.Parse(storedNode, CultureInfo.InvariantCulture) != nodeId)
            {
                throw new ConfigException($"{path} belongs to node.id {storedNode}, but this broker is node.id {nodeId}");
            }

            return new ClusterIdentity(clusterId, nodeId);
        }

        var identity = new ClusterIdentity(Uuid.NewRandom().ToString(), nodeId);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, $"# written by fjord-broker\nversion=1\ncluster.id={identity.ClusterId}\nnode.id={nodeId}\n");
        File.Move(temporary, path, overwrite: true);
        return identity;
    }
}
