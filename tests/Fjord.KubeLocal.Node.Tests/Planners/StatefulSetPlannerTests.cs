using Fjord.KubeLocal.Node.StatefulSets;
using k8s.Models;
using static Fjord.KubeLocal.Node.Tests.Planners.Objects;

namespace Fjord.KubeLocal.Node.Tests.Planners;

public class StatefulSetPlannerTests
{
    private static readonly Dictionary<string, V1PersistentVolumeClaim> NoClaims = [];

    private static List<string> Describe(StatefulSetPlan plan) => plan.Actions.Select(a => a switch
    {
        StatefulSetAction.CreateClaim c => $"claim {c.Claim.Metadata.Name}",
        StatefulSetAction.CreatePod p => $"create {p.Pod.Metadata.Name}",
        StatefulSetAction.DeletePod d => $"delete {d.Name}",
        StatefulSetAction.SetClaimOwners o => $"own {o.Name} by {string.Join(",", o.OwnerReferences.Select(r => $"{r.Kind}/{r.Name}"))}",
        _ => throw new InvalidOperationException(),
    }).ToList();

    [Fact]
    public void OrderedReady_FromNothing_CreatesOrdinalZeroAfterItsClaimAndWaits()
    {
        var plan = StatefulSetPlanner.Plan(StatefulSet(3), [], NoClaims);

        Assert.Equal(["claim data-web-0", "create web-0"], Describe(plan));
        Assert.NotNull(plan.Waiting);
    }

    [Fact]
    public void OrderedReady_WhenLowerPodNotReady_CreatesNothing()
    {
        var set = StatefulSet(3);
        var plan = StatefulSetPlanner.Plan(set, [SetPod(set, 0, ready: false)], Claims("data-web-0"));

        Assert.Empty(plan.Actions);
        Assert.Contains("web-0", plan.Waiting);
    }

    [Fact]
    public void OrderedReady_WhenLowerPodsReady_CreatesTheNextOrdinalOnly()
    {
        var set = StatefulSet(5);
        var plan = StatefulSetPlanner.Plan(set, [SetPod(set, 0), SetPod(set, 1)], Claims("data-web-0", "data-web-1"));

        Assert.Equal(["claim data-web-2", "create web-2"], Describe(plan));
    }

    [Fact]
    public void ExistingClaim_IsNotCreatedAgain()
    {
        var set = StatefulSet(1);
        var plan = StatefulSetPlanner.Plan(set, [], Claims("data-web-0"));

        Assert.Equal(["create web-0"], Describe(plan));
    }

    [Fact]
    public void Parallel_FromNothing_CreatesEveryOrdinalAtOnce()
    {
        var plan = StatefulSetPlanner.Plan(StatefulSet(3, "Parallel", claims: false), [], NoClaims);

        Assert.Equal(["create web-0", "create web-1", "create web-2"], Describe(plan));
        Assert.Null(plan.Waiting);
    }

    [Fact]
    public void Parallel_WithNotReadyPods_StillCreatesMissingOnes()
    {
        var set = StatefulSet(3, "Parallel", claims: false);
        var plan = StatefulSetPlanner.Plan(set, [SetPod(set, 0, ready: false)], NoClaims);

        Assert.Equal(["create web-1", "create web-2"], Describe(plan));
    }

    [Fact]
    public void OrderedReady_ScaleDown_DeletesTheHighestOrdinalOnly()
    {
        var set = StatefulSet(2, claims: false);
        var pods = Enumerable.Range(0, 5).Select(i => SetPod(set, i)).ToList();

        Assert.Equal(["delete web-4"], Describe(StatefulSetPlanner.Plan(set, pods, NoClaims)));
    }

    [Fact]
    public void OrderedReady_ScaleDown_WaitsWhileTheHighestTerminates()
    {
        var set = StatefulSet(2, claims: false);
        var pods = new List<V1Pod> { SetPod(set, 0), SetPod(set, 1), SetPod(set, 2), SetPod(set, 3, terminating: true) };

        var plan = StatefulSetPlanner.Plan(set, pods, NoClaims);

        Assert.Empty(plan.Actions);
        Assert.Contains("web-3", plan.Waiting);
    }

    [Fact]
    public void OrderedReady_ScaleDown_WaitsForLowerPodsToBeReady()
    {
        var set = StatefulSet(2, claims: false);
        var pods = new List<V1Pod> { SetPod(set, 0), SetPod(set, 1, ready: false), SetPod(set, 2) };

        Assert.Empty(StatefulSetPlanner.Plan(set, pods, NoClaims).Actions);
    }

    [Fact]
    public void Parallel_ScaleDown_DeletesEveryCondemnedPodAtOnce()
    {
        var set = StatefulSet(1, "Parallel", claims: false);
        var pods = new List<V1Pod> { SetPod(set, 0), SetPod(set, 1), SetPod(set, 2, terminating: true), SetPod(set, 3) };

        Assert.Equal(["delete web-3", "delete web-1"], Describe(StatefulSetPlanner.Plan(set, pods, NoClaims)));
    }

    [Fact]
    public void RollingUpdate_DeletesTheHighestOutdatedOrdinalFirst()
    {
        var set = StatefulSet(3, claims: false);
        var pods = Enumerable.Range(0, 3).Select(i => SetPod(set, i, revision: "web-old")).ToList();

        var plan = StatefulSetPlanner.Plan(set, pods, NoClaims);

        Assert.Equal(["delete web-2"], Describe(plan));
    }

    [Fact]
    public void RollingUpdate_WaitsForTheUpdatedPodToBeReadyBeforeTheNext()
    {
        var set = StatefulSet(3, claims: false);
        var pods = new List<V1Pod> { SetPod(set, 0, revision: "web-old"), SetPod(set, 1, revision: "web-old"), SetPod(set, 2, ready: false) };

        // OrderedReady stops at the not-ready pod whatever the update does.
        Assert.Empty(StatefulSetPlanner.Plan(set, pods, NoClaims).Actions);

        var parallel = StatefulSet(3, "Parallel", claims: false);
        var parallelPods = new List<V1Pod> { SetPod(parallel, 0, revision: "web-old"), SetPod(parallel, 1, revision: "web-old"), SetPod(parallel, 2, ready: false) };
        var plan = StatefulSetPlanner.Plan(parallel, parallelPods, NoClaims);
        Assert.Empty(plan.Actions);
        Assert.Contains("web-2", plan.Waiting);
    }

    [Fact]
    public void RollingUpdate_ContinuesDownwardsOnceHigherOrdinalsAreUpdated()
    {
        var set = StatefulSet(3, claims: false);
        var pods = new List<V1Pod> { SetPod(set, 0, revision: "web-old"), SetPod(set, 1, revision: "web-old"), SetPod(set, 2) };

        Assert.Equal(["delete web-1"], Describe(StatefulSetPlanner.Plan(set, pods, NoClaims)));
    }

    [Fact]
    public void RollingUpdate_WithPartition_LeavesOrdinalsBelowItAlone()
    {
        var set = StatefulSet(4, partition: 2, claims: false);
        var pods = new List<V1Pod> { SetPod(set, 0, revision: "web-old"), SetPod(set, 1, revision: "web-old"), SetPod(set, 2), SetPod(set, 3) };

        var plan = StatefulSetPlanner.Plan(set, pods, NoClaims);

        Assert.Empty(plan.Actions);
        Assert.Equal(2, plan.Status.UpdatedReplicas);
    }

    [Fact]
    public void PodBelowThePartition_IsRecreatedAtTheCurrentRevision()
    {
        var set = StatefulSet(3, partition: 2, claims: false);
        var old = StatefulSet(3, claims: false, command: "sleep 1");
        set.Status = new V1StatefulSetStatus { CurrentRevision = StatefulSetPlanner.UpdateRevision(old) };
        var pods = new List<V1Pod> { SetPod(set, 0, revision: set.Status.CurrentRevision), SetPod(set, 2) };

        var plan = StatefulSetPlanner.Plan(set, pods, NoClaims, old.Spec.Template);

        var pod = Assert.IsType<StatefulSetAction.CreatePod>(Assert.Single(plan.Actions)).Pod;
        Assert.Equal("web-1", pod.Metadata.Name);
        Assert.Equal(set.Status.CurrentRevision, pod.Metadata.Labels[StatefulSetPlanner.RevisionLabel]);
        Assert.Equal("sleep 1", pod.Spec.Containers[0].Command[2]);
    }

    [Fact]
    public void Revision_RecordsTheTemplateAndCountsUp()
    {
        var set = StatefulSet(3);
        var first = StatefulSetRevisions.New(set, []);
        var second = StatefulSetRevisions.New(StatefulSet(3, command: "sleep 1"), [first]);

        Assert.Equal(StatefulSetPlanner.UpdateRevision(set), first.Metadata.Name);
        Assert.Equal((1L, 2L), (first.Revision, second.Revision));
        Assert.Equal("sts-uid", Assert.Single(first.Metadata.OwnerReferences).Uid);
        Assert.Equal(first.Metadata.Name, first.Metadata.Labels[StatefulSetPlanner.RevisionLabel]);
        // What the API server stores and returns: the data as JSON, with the strategic "$patch": "replace".
        var stored = k8s.KubernetesJson.Deserialize<V1ControllerRevision>(k8s.KubernetesJson.Serialize(first));
        Assert.Contains("\"$patch\":\"replace\"", k8s.KubernetesJson.Serialize(stored.Data));
        Assert.Equal(k8s.KubernetesJson.Serialize(set.Spec.Template), k8s.KubernetesJson.Serialize(StatefulSetRevisions.TemplateOf(stored)));
    }

    [Fact]
    public void OnDelete_NeverDeletesOutdatedPods()
    {
        var set = StatefulSet(2, claims: false);
        set.Spec.UpdateStrategy = new V1StatefulSetUpdateStrategy { Type = "OnDelete" };
        var pods = new List<V1Pod> { SetPod(set, 0, revision: "web-old"), SetPod(set, 1, revision: "web-old") };

        Assert.Empty(StatefulSetPlanner.Plan(set, pods, NoClaims).Actions);
    }

    [Fact]
    public void FinishedPod_IsDeletedToBeRecreated()
    {
        var set = StatefulSet(2, claims: false);
        var pods = new List<V1Pod> { SetPod(set, 0, phase: "Failed", ready: false), SetPod(set, 1) };

        Assert.Equal(["delete web-0"], Describe(StatefulSetPlanner.Plan(set, pods, NoClaims)));
    }

    [Fact]
    public void NewPod_CarriesIdentityLabelsOwnerAndClaimVolume()
    {
        var set = StatefulSet(3);
        var pods = new List<V1Pod> { SetPod(set, 0), SetPod(set, 1) };

        var plan = StatefulSetPlanner.Plan(set, pods, Claims("data-web-0", "data-web-1"));

        var pod = plan.Actions.OfType<StatefulSetAction.CreatePod>().Single().Pod;
        Assert.Equal("web-2", pod.Metadata.Name);
        Assert.Equal("web-2", pod.Spec.Hostname);
        Assert.Equal("web-headless", pod.Spec.Subdomain);
        Assert.Equal("web-2", pod.Metadata.Labels[StatefulSetPlanner.PodNameLabel]);
        Assert.Equal("2", pod.Metadata.Labels[StatefulSetPlanner.PodIndexLabel]);
        Assert.Equal(StatefulSetPlanner.UpdateRevision(set), pod.Metadata.Labels[StatefulSetPlanner.RevisionLabel]);
        Assert.Equal("web", pod.Metadata.Labels["app"]);
        var owner = Assert.Single(pod.Metadata.OwnerReferences);
        Assert.True(owner.Controller);
        Assert.True(owner.BlockOwnerDeletion);
        Assert.Equal(("StatefulSet", "sts-uid"), (owner.Kind, owner.Uid));
        Assert.Equal("data-web-2", Assert.Single(pod.Spec.Volumes).PersistentVolumeClaim.ClaimName);
        var claim = plan.Actions.OfType<StatefulSetAction.CreateClaim>().Single().Claim;
        Assert.Equal("web", claim.Metadata.Labels["app"]);
        Assert.Null(claim.Metadata.OwnerReferences);
    }

    [Fact]
    public void Status_DuringAnUpdate_KeepsTheCurrentRevisionUntilAllPodsAreUpdatedAndReady()
    {
        var set = StatefulSet(3, claims: false);
        set.Status = new V1StatefulSetStatus { CurrentRevision = "web-old" };
        var pods = new List<V1Pod> { SetPod(set, 0, revision: "web-old"), SetPod(set, 1, revision: "web-old"), SetPod(set, 2, ready: false) };

        var status = StatefulSetPlanner.Plan(set, pods, NoClaims).Status;

        Assert.Equal((3, 2, 2, 1, "web-old"), (status.Replicas, status.ReadyReplicas!.Value, status.CurrentReplicas!.Value, status.UpdatedReplicas!.Value, status.CurrentRevision));
        Assert.Equal(StatefulSetPlanner.UpdateRevision(set), status.UpdateRevision);
        Assert.Equal(4, status.ObservedGeneration);

        var done = StatefulSetPlanner.Plan(set, [SetPod(set, 0), SetPod(set, 1), SetPod(set, 2)], NoClaims).Status;
        Assert.Equal(done.UpdateRevision, done.CurrentRevision);
        Assert.Equal((3, 3, 3), (done.CurrentReplicas!.Value, done.UpdatedReplicas!.Value, done.AvailableReplicas!.Value));
    }

    [Fact]
    public void UpdateRevision_ChangesWithTheTemplateOnly()
    {
        var a = StatefulSet(3);
        var b = StatefulSet(5);
        var c = StatefulSet(3, command: "sleep 1");

        Assert.Equal(StatefulSetPlanner.UpdateRevision(a), StatefulSetPlanner.UpdateRevision(b));
        Assert.NotEqual(StatefulSetPlanner.UpdateRevision(a), StatefulSetPlanner.UpdateRevision(c));
        Assert.StartsWith("web-", StatefulSetPlanner.UpdateRevision(a));
    }

    [Theory]
    [InlineData("web-0", 0)]
    [InlineData("web-12", 12)]
    [InlineData("web-x", -1)]
    [InlineData("webby-1", -1)]
    [InlineData("web-", -1)]
    [InlineData("web--1", -1)]
    public void OrdinalOf_ParsesOnlyTheSetsOwnNames(string pod, int ordinal) =>
        Assert.Equal(ordinal, StatefulSetPlanner.OrdinalOf("web", pod));
}
