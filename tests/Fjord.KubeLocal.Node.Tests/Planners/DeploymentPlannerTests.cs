using Fjord.KubeLocal.Node.Deployments;
using k8s.Models;
using static Fjord.KubeLocal.Node.Tests.Planners.Objects;

namespace Fjord.KubeLocal.Node.Tests.Planners;

public class DeploymentPlannerTests
{
    private static readonly DateTime Now = new(2026, 12, 7, 3, 0, 0, DateTimeKind.Utc);

    private static V1Deployment Deployment(int replicas, string command = "sleep 3600", string? maxSurge = null, string? maxUnavailable = null, string strategy = "RollingUpdate") => new()
    {
        Metadata = new V1ObjectMeta { Name = "api", NamespaceProperty = "ns", Uid = "dep-uid", Generation = 2 },
        Spec = new V1DeploymentSpec
        {
            Replicas = replicas,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "api" } },
            Template = Template("api", command),
            Strategy = new V1DeploymentStrategy
            {
                Type = strategy,
                RollingUpdate = strategy == "RollingUpdate" && (maxSurge ?? maxUnavailable) is not null
                    ? new V1RollingUpdateDeployment { MaxSurge = maxSurge, MaxUnavailable = maxUnavailable }
                    : null,
            },
        },
    };

    /// <summary>A ReplicaSet the deployment created, with its scale and observed pod counts.</summary>
    private static V1ReplicaSet Owned(V1Deployment deployment, int spec, int ready, string? hash = null, int minute = 0)
    {
        var created = (V1ReplicaSet)((DeploymentAction.CreateReplicaSet)DeploymentPlanner.Plan(deployment, [], Now).Actions[0]).ReplicaSet;
        if (hash is not null)
        {
            created.Metadata.Name = $"api-{hash}";
            created.Metadata.Labels[DeploymentPlanner.HashLabel] = hash;
        }
        created.Metadata.CreationTimestamp = Now.AddMinutes(minute);
        created.Metadata.Generation = 1;
        created.Spec.Replicas = spec;
        created.Status = new V1ReplicaSetStatus { Replicas = spec, ReadyReplicas = ready, AvailableReplicas = ready, ObservedGeneration = 1 };
        return created;
    }

    [Fact]
    public void FirstSync_CreatesAReplicaSetWithTheHashedTemplateAndFullScale()
    {
        var deployment = Deployment(3);

        var plan = DeploymentPlanner.Plan(deployment, [], Now);

        var rs = Assert.IsType<DeploymentAction.CreateReplicaSet>(Assert.Single(plan.Actions)).ReplicaSet;
        var hash = DeploymentPlanner.TemplateHashOf(deployment);
        Assert.Equal($"api-{hash}", rs.Metadata.Name);
        Assert.Equal(3, rs.Spec.Replicas);
        Assert.Equal(hash, rs.Spec.Selector.MatchLabels[DeploymentPlanner.HashLabel]);
        Assert.Equal(hash, rs.Spec.Template.Metadata.Labels[DeploymentPlanner.HashLabel]);
        Assert.Equal("1", rs.Metadata.Annotations[DeploymentPlanner.RevisionAnnotation]);
        var owner = Assert.Single(rs.Metadata.OwnerReferences);
        Assert.Equal(("Deployment", "dep-uid", true), (owner.Kind, owner.Uid, owner.Controller == true));
        // Helm's --wait compares the templates without the hash label: everything else is the Deployment's.
        rs.Spec.Template.Metadata.Labels.Remove(DeploymentPlanner.HashLabel);
        Assert.Equal(k8s.KubernetesJson.Serialize(deployment.Spec.Template), k8s.KubernetesJson.Serialize(rs.Spec.Template));
        Assert.Equal("NewReplicaSetCreated", plan.Status.Conditions.Single(c => c.Type == "Progressing").Reason);
    }

    [Fact]
    public void Limits_DefaultTo25PercentSurgeUpAndUnavailableDown()
    {
        Assert.Equal((1, 0), DeploymentPlanner.Limits(Deployment(3)));
        Assert.Equal((3, 2), DeploymentPlanner.Limits(Deployment(10)));
        Assert.Equal((2, 1), DeploymentPlanner.Limits(Deployment(4, maxSurge: "2", maxUnavailable: "25%")));
        Assert.Equal((0, 1), DeploymentPlanner.Limits(Deployment(4, maxSurge: "0", maxUnavailable: "0")));
        Assert.Equal((0, 4), DeploymentPlanner.Limits(Deployment(4, strategy: "Recreate")));
    }

    [Fact]
    public void TemplateChange_CreatesTheNewReplicaSetWithinTheSurge()
    {
        var old = Owned(Deployment(3), spec: 3, ready: 3, hash: "old");
        var changed = Deployment(3, command: "sleep 1");

        var plan = DeploymentPlanner.Plan(changed, [old], Now);

        var rs = Assert.IsType<DeploymentAction.CreateReplicaSet>(Assert.Single(plan.Actions)).ReplicaSet;
        Assert.Equal(1, rs.Spec.Replicas);
        Assert.Equal("2", rs.Metadata.Annotations[DeploymentPlanner.RevisionAnnotation]);
    }

    [Fact]
    public void Rollout_ScalesOldDownOnlyAsNewPodsBecomeAvailable()
    {
        var changed = Deployment(3, command: "sleep 1");
        var old = Owned(Deployment(3), spec: 3, ready: 3, hash: "old");
        var fresh = Owned(changed, spec: 1, ready: 0, minute: 1);

        // maxUnavailable 0: nothing old may go while the new pod is not available; total is at replicas + surge.
        Assert.Empty(DeploymentPlanner.Plan(changed, [old, fresh], Now).Actions);

        fresh.Status.ReadyReplicas = fresh.Status.AvailableReplicas = 1;
        var plan = DeploymentPlanner.Plan(changed, [old, fresh], Now);
        Assert.Contains(new DeploymentAction.ScaleReplicaSet("api-old", 2), plan.Actions);
    }

    [Fact]
    public void Rollout_GrowsTheNewReplicaSetWhenOldOnesShrank()
    {
        var changed = Deployment(3, command: "sleep 1");
        var old = Owned(Deployment(3), spec: 2, ready: 2, hash: "old");
        var fresh = Owned(changed, spec: 1, ready: 1, minute: 1);

        var plan = DeploymentPlanner.Plan(changed, [old, fresh], Now);

        Assert.Contains(new DeploymentAction.ScaleReplicaSet(fresh.Metadata.Name, 2), plan.Actions);
    }

    [Fact]
    public void Rollout_RemovesUnavailableOldPodsAtOnce()
    {
        var changed = Deployment(3, command: "sleep 1");
        var old = Owned(Deployment(3), spec: 3, ready: 1, hash: "old");
        var fresh = Owned(changed, spec: 1, ready: 0, minute: 1);

        var plan = DeploymentPlanner.Plan(changed, [old, fresh], Now);

        Assert.Contains(new DeploymentAction.ScaleReplicaSet("api-old", 1), plan.Actions);
    }

    [Fact]
    public void CompleteRollout_ReportsNewReplicaSetAvailable()
    {
        var deployment = Deployment(3);
        var rs = Owned(deployment, spec: 3, ready: 3);
        var old = Owned(Deployment(3, command: "sleep 2"), spec: 0, ready: 0, hash: "old");

        var plan = DeploymentPlanner.Plan(deployment, [old, rs], Now);

        Assert.Empty(plan.Actions);
        var status = plan.Status;
        Assert.Equal((3, 3, 3, 3, 0), (status.Replicas!.Value, status.UpdatedReplicas!.Value, status.ReadyReplicas!.Value, status.AvailableReplicas!.Value, status.UnavailableReplicas!.Value));
        Assert.Equal(2, status.ObservedGeneration);
        var progressing = status.Conditions.Single(c => c.Type == "Progressing");
        Assert.Equal(("True", "NewReplicaSetAvailable"), (progressing.Status, progressing.Reason));
        Assert.Equal(("True", "MinimumReplicasAvailable"), (status.Conditions.Single(c => c.Type == "Available").Status, status.Conditions.Single(c => c.Type == "Available").Reason));
    }

    [Fact]
    public void Conditions_KeepTheirTransitionTimeWhileTheStatusStays()
    {
        var deployment = Deployment(3);
        var rs = Owned(deployment, spec: 3, ready: 3);
        deployment.Status = DeploymentPlanner.Plan(deployment, [rs], Now).Status;

        var later = DeploymentPlanner.Plan(deployment, [rs], Now.AddMinutes(5)).Status;

        Assert.All(later.Conditions, c => Assert.Equal(Now, c.LastTransitionTime));
        Assert.True(k8s.KubernetesJson.Serialize(deployment.Status) == k8s.KubernetesJson.Serialize(later));
    }

    [Fact]
    public void NotEnoughAvailable_ReportsMinimumReplicasUnavailable()
    {
        var deployment = Deployment(3);
        var rs = Owned(deployment, spec: 3, ready: 1);

        var available = DeploymentPlanner.Plan(deployment, [rs], Now).Status.Conditions.Single(c => c.Type == "Available");

        Assert.Equal(("False", "MinimumReplicasUnavailable"), (available.Status, available.Reason));
    }

    [Fact]
    public void ScaleWithoutTemplateChange_ScalesTheNewReplicaSet()
    {
        var deployment = Deployment(5);
        var rs = Owned(Deployment(3), spec: 3, ready: 3);

        Assert.Equal([new DeploymentAction.ScaleReplicaSet(rs.Metadata.Name, 5)], DeploymentPlanner.Plan(deployment, [rs], Now).Actions);
    }

    [Fact]
    public void Recreate_EmptiesOldReplicaSetsBeforeStartingNewPods()
    {
        var changed = Deployment(2, command: "sleep 1", strategy: "Recreate");
        var old = Owned(Deployment(2), spec: 2, ready: 2, hash: "old");

        var first = DeploymentPlanner.Plan(changed, [old], Now);
        var created = Assert.IsType<DeploymentAction.CreateReplicaSet>(first.Actions[0]).ReplicaSet;
        Assert.Equal(0, created.Spec.Replicas);
        Assert.Contains(new DeploymentAction.ScaleReplicaSet("api-old", 0), first.Actions);

        var fresh = Owned(changed, spec: 0, ready: 0, minute: 1);
        old.Spec.Replicas = 0;
        Assert.Empty(DeploymentPlanner.Plan(changed, [old, fresh], Now).Actions);

        old.Status.Replicas = 0;
        Assert.Equal([new DeploymentAction.ScaleReplicaSet(fresh.Metadata.Name, 2)], DeploymentPlanner.Plan(changed, [old, fresh], Now).Actions);
    }

    [Fact]
    public void HistoryLimit_DeletesTheOldestEmptyReplicaSets()
    {
        var deployment = Deployment(1);
        deployment.Spec.RevisionHistoryLimit = 1;
        var current = Owned(deployment, spec: 1, ready: 1, minute: 9);
        var oldest = Owned(Deployment(1, "a"), spec: 0, ready: 0, hash: "a", minute: 1);
        var newer = Owned(Deployment(1, "b"), spec: 0, ready: 0, hash: "b", minute: 2);

        Assert.Equal([new DeploymentAction.DeleteReplicaSet("api-a")], DeploymentPlanner.Plan(deployment, [newer, current, oldest], Now).Actions);
    }

    [Fact]
    public void Paused_ChangesNothing()
    {
        var deployment = Deployment(3);
        deployment.Spec.Paused = true;

        Assert.Empty(DeploymentPlanner.Plan(deployment, [], Now).Actions);
    }
}
