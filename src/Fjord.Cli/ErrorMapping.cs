using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Fjord.Cli;

/// <summary>Turns Confluent.Kafka failures into one-line <see cref="CliException"/>s with the right exit code.</summary>
public static class ErrorMapping
{
    public static CliException From(Exception exception) => exception switch
    {
        CliException cli => cli,
        CreateTopicsException e => CliException.Broker(Join(e.Results.Where(r => r.Error.IsError).Select(r => $"topic '{r.Topic}': {Describe(r.Error)}"))),
        DeleteTopicsException e => CliException.Broker(Join(e.Results.Where(r => r.Error.IsError).Select(r => $"topic '{r.Topic}': {Describe(r.Error)}"))),
        CreatePartitionsException e => CliException.Broker(Join(e.Results.Where(r => r.Error.IsError).Select(r => $"topic '{r.Topic}': {Describe(r.Error)}"))),
        IncrementalAlterConfigsException e => CliException.Broker(Join(e.Results.Where(r => r.Error.IsError).Select(r => $"{r.ConfigResource.Type} '{r.ConfigResource.Name}': {Describe(r.Error)}"))),
        DescribeConfigsException e => CliException.Broker(Join(e.Results.Where(r => r.Error.IsError).Select(r => $"{r.ConfigResource.Type} '{r.ConfigResource.Name}': {Describe(r.Error)}"))),
        DescribeTopicsException e => CliException.Broker(Join(e.Results.TopicDescriptions.Where(r => r.Error.IsError)
            .Select(r => r.Error.Code == ErrorCode.UnknownTopicOrPart ? $"unknown topic '{r.Name}'" : $"topic '{r.Name}': {Describe(r.Error)}"))),
        DeleteGroupsException e => CliException.Broker(Join(e.Results.Where(r => r.Error.IsError).Select(r => $"group '{r.Group}': {Describe(r.Error)}"))),
        DescribeConsumerGroupsException e => CliException.Broker(Join(e.Results.ConsumerGroupDescriptions.Where(r => r.Error.IsError).Select(r => $"group '{r.GroupId}': {Describe(r.Error)}"))),
        AlterConsumerGroupOffsetsException e => CliException.Broker(Join(e.Results.SelectMany(r => r.Partitions.Where(p => p.Error.IsError).Select(p => $"group '{r.Group}' {p.TopicPartition}: {Describe(p.Error)}")).DefaultIfEmpty(Describe(e.Error)))),
        CreateAclsException e => CliException.Broker(Join(e.Results.Where(r => r.Error.IsError).Select(r => $"ACL: {Describe(r.Error)}"))),
        DescribeAclsException e => CliException.Broker(Describe(e.Result.Error)),
        DeleteAclsException e => CliException.Broker(Join(e.Results.Where(r => r.Error.IsError).Select(r => $"ACL filter: {Describe(r.Error)}"))),
        DescribeUserScramCredentialsException e => CliException.Broker(Join(e.Results.UserScramCredentialsDescriptions.Where(r => r.Error.IsError).Select(r => $"user '{r.User}': {Describe(r.Error)}"))),
        AlterUserScramCredentialsException e => CliException.Broker(Join(e.Results.Where(r => r.Error.IsError).Select(r => $"user '{r.User}': {Describe(r.Error)}"))),
        KafkaException e => FromError(e.Error),
        OperationCanceledException => CliException.Unreachable("timed out waiting for the broker"),
        _ => CliException.Broker(exception.Message),
    };

    public static CliException FromError(Error error) => IsUnreachable(error.Code)
        ? CliException.Unreachable($"broker unreachable: {Describe(error)}")
        : CliException.Broker(Describe(error));

    public static bool IsUnreachable(ErrorCode code) => code is ErrorCode.Local_Transport or ErrorCode.Local_AllBrokersDown
        or ErrorCode.Local_TimedOut or ErrorCode.Local_Resolve or ErrorCode.Local_MsgTimedOut or ErrorCode.RequestTimedOut;

    /// <summary>Kafka's error name (UNKNOWN_TOPIC_OR_PARTITION style) plus librdkafka's reason.</summary>
    public static string Describe(Error error)
    {
        var name = error.Code.ToString();
        return string.IsNullOrEmpty(error.Reason) || error.Reason == name ? name : $"{error.Reason} ({name})";
    }

    private static string Join(IEnumerable<string> parts)
    {
        var list = parts.ToList();
        return list.Count == 0 ? "the broker refused the request" : string.Join("; ", list);
    }
}
