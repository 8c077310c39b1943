using Fjord.Broker.Configuration;
using Fjord.Broker.Network;
using Fjord.Broker.Topics;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers;

/// <summary>
/// DescribeLogDirs, versions 1-4 (kafka-log-dirs.sh, AdminClient.describeLogDirs; v2+ flexible).
/// - One log dir: the broker's data dir. A null Topics asks for every partition; otherwise only the
///   named partitions that exist here are listed (unknown ones are left out, as Kafka does).
/// - PartitionSize is the bytes of the partition's segments; OffsetLag is 0 (every log here is the
///   current one, no future replica being moved between dirs); IsFutureKey is false.
/// - v3+: the top-level ErrorCode (0). v4+: TotalBytes and UsableBytes of the data dir's file system
///   (from <see cref="DriveInfo"/>; -1 when it cannot be read, as Kafka reports unknown).
/// - v0 is not served (Kafka 4 dropped it).
/// </summary>
public sealed class DescribeLogDirsHandler(TopicRegistry topics, BrokerConfig config) : ApiHandler<DescribeLogDirsRequest, DescribeLogDirsResponse>
{
    public override ApiKey ApiKey => ApiKey.DescribeLogDirs;

    public override short MinVersion => 1;

    public override short MaxVersion => 4;

    protected override ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, DescribeLogDirsRequest request)
    {
        var result = new DescribeLogDirsResponse.DescribeLogDirsResult { LogDir = config.DataDir };
        if (request.Topics is null)
        {
            foreach (var topic in topics.All)
            {
                var described = new DescribeLogDirsResponse.DescribeLogDirsTopic { Name = topic.Name };
                for (int partition = 0; partition < topic.PartitionCount; partition++)
                    AddPartition(described, topic.Name, partition);
                if (described.Partitions.Count > 0)
                    result.Topics.Add(described);
            }
        }
        else
        {
            foreach (var requested in request.Topics)
            {
                var described = new DescribeLogDirsResponse.DescribeLogDirsTopic { Name = requested.Topic };
                foreach (int partition in requested.Partitions)
                    AddPartition(described, requested.Topic, partition);
                if (described.Partitions.Count > 0)
                    result.Topics.Add(described);
            }
        }

        if (context.ApiVersion >= 4)
        {
            (result.TotalBytes, result.UsableBytes) = DiskSpace(config.DataDir);
        }

        var response = new DescribeLogDirsResponse();
        response.Results.Add(result);
        return new(response);
    }

    private void AddPartition(DescribeLogDirsResponse.DescribeLogDirsTopic described, string topic, int partition)
    {
        if (topics.TryGetLog(topic, partition, out var log))
        {
            described.Partitions.Add(new() { PartitionIndex = partition, PartitionSize = log.SizeInBytes, OffsetLag = 0, IsFutureKey = false });
        }
    }

    private static (long Total, long Usable) DiskSpace(string dataDir)
    {
        try
        {
            var drive = new DriveInfo(dataDir);
            return (drive.TotalSize, drive.AvailableFreeSpace);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return (-1, -1);
        }
    }

    protected override DescribeLogDirsResponse ErrorResponse(DescribeLogDirsRequest request, ErrorCode error)
    {
        // Kafka answers a failed request with the top-level error (v3+) and no results.
        return new DescribeLogDirsResponse { ErrorCode = (short)error };
    }
}
