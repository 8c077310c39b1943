using Fjord.Operator.Crds;
using Fjord.Operator.Reconciling;

namespace Fjord.Operator.Topics;

// Deletion: the finalizer deletes the owned topic (deletionPolicy Delete) and never outlives the cluster.
public static partial class FjordTopicReconciler
{
    private static ReconcilePlan PlanDeletion(ObservedFjordTopic observed)
    {
        var resource = observed.Topic;
        if (!HasFinalizer(resource))
        {
            return new ReconcilePlan([], null);
        }
        var name = TopicNames.Of(resource);
        var actions = new List<ReconcileAction>();
        if (resource.Spec.DeletionPolicy == V1Alpha1FjordTopicSpec.DeletionPolicyRetain
            || TopicNames.Owner(resource, observed.NamespaceTopics).Metadata.Name != resource.Metadata.Name)
        {
            actions.Add(new RemoveTopicFinalizer());
            return new ReconcilePlan(actions, null);
        }
        switch (observed.Cluster.State)
        {
            case TopicClusterState.Missing:
                // Without this a namespace being deleted would wait forever on a topic no cluster can delete.
                actions.Add(new RecordEvent(RecordEvent.Warning, TopicConditions.EventClusterGone,
                    $"FjordCluster {resource.Spec.ClusterRef.Name} no longer exists; dropping the finalizer without deleting topic '{name}'"));
                actions.Add(new RemoveTopicFinalizer());
                return new ReconcilePlan(actions, null);
            case TopicClusterState.Unreachable:
                return Finish(observed, actions, null, Progress(TopicConditions.ReasonClusterNotReady,
                    $"waiting for FjordCluster {resource.Spec.ClusterRef.Name} to delete topic '{name}'"), ClusterRequeue);
        }
        if (observed.Cluster.Topic(name) is { } topic)
        {
            actions.Add(new DeleteKafkaTopic(name));
            actions.Add(new RecordEvent(RecordEvent.Normal, TopicConditions.EventTopicDeleted, $"deleted topic '{name}'"));
            return Finish(observed, actions, topic, Progress(TopicConditions.ReasonDeleting, $"deleting topic '{name}'"), ProgressRequeue);
        }
        actions.Add(new RemoveTopicFinalizer());
        return new ReconcilePlan(actions, null);
    }
}
