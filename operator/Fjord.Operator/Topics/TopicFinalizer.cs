namespace Fjord.Operator.Topics;

/// <summary>The finalizer that makes deleting a FjordTopic (deletionPolicy Delete) delete its Kafka topic first.</summary>
public static class TopicFinalizer
{
    public const string Name = "fjord.dev/topic-deletion";
}
