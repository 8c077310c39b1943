namespace Fjord.Operator.Topics;

/// <summary>A FjordTopic's condition types and reasons (predefined, so programs can match on them). Thread-safe (stateless).</summary>
public static class TopicConditions
{
    public const string Ready = "Ready";
    public const string Reconciling = "Reconciling";

    public const string ReasonReconciled = "Reconciled";
    public const string ReasonCreating = "Creating";
    public const string ReasonUpdating = "Updating";
    public const string ReasonChangingReplicationFactor = "ChangingReplicationFactor";
    public const string ReasonPartitionsCannotShrink = "PartitionsCannotShrink";
    public const string ReasonInvalidConfig = "InvalidConfig";
    public const string ReasonInvalidReplicationFactor = "InvalidReplicationFactor";
    public const string ReasonClusterNotReady = "ClusterNotReady";
    public const string ReasonTopicNameConflict = "TopicNameConflict";
    public const string ReasonTopicNameImmutable = "TopicNameImmutable";
    public const string ReasonAdminError = "AdminError";
    public const string ReasonDeleting = "Deleting";

    /// <summary>Event reasons.</summary>
    public const string EventDriftCorrected = "DriftCorrected";
    public const string EventClusterGone = "ClusterGone";
    public const string EventTopicDeleted = "TopicDeleted";
    public const string EventTopicCreated = "TopicCreated";
    public const string EventReplicationFactorChanging = "ReplicationFactorChanging";
}
