using Fjord.KubeLocal.Node.StatefulSets;
using k8s.Models;
using static Fjord.KubeLocal.Node.Tests.Planners.Objects;

namespace Fjord.KubeLocal.Node.Tests.Planners;

public class ClaimRetentionTests
{
    private static V1StatefulSet Set(int replicas, string whenDeleted, string whenScaled)
    {
        var set = StatefulSet(replicas);
        set.Spec.PersistentVolumeClaimRetentionPolicy = new V1StatefulSetPersistentVolumeClaimRetentionPolicy { WhenDeleted = whenDeleted, WhenScaled = whenScaled };
        return set;
    }

    private static List<string> Describe(IEnumerable<StatefulSetAction> actions) => actions.Select(a => a switch
    {
        StatefulSetAction.CreateClaim c => $"claim {c.Claim.Metadata.Name} owners [{string.Join(",", (c.Claim.Metadata.OwnerReferences ?? []).Select(r => $"{r.Kind}/{r.Name}"))}]",
        StatefulSetAction.SetClaimOwners o => $"own {o.Name} by [{string.Join(",", o.OwnerReferences.Select(r => $"{r.Kind}/{r.Name}"))}]",
        StatefulSetAction.CreatePod p => $"create {p.Pod.Metadata.Name}",
        StatefulSetAction.DeletePod d => $"delete {d.Name}",
        _ => throw new InvalidOperationException(),
    }).ToList();

    private static V1OwnerReference SetOwner(V1StatefulSet set) => new() { ApiVersion = "apps/v1", Kind = "StatefulSet", Name = set.Metadata.Name, Uid = set.Metadata.Uid, Controller = true };

    [Fact]
    public void Retain_NewClaimHasNoOwner()
    {
        var plan = StatefulSetPlanner.Plan(Set(1, "Retain", "Retain"), [], NoClaims());

        Assert.Equal(["claim data-web-0 owners []", "create web-0"], Describe(plan.Actions));
    }

    [Fact]
    public void WhenDeletedDelete_NewClaimIsOwnedByTheSetAsItsController()
    {
        var set = Set(1, "Delete", "Retain");
        var plan = StatefulSetPlanner.Plan(set, [], NoClaims());

        Assert.Equal(["claim data-web-0 owners [StatefulSet/web]", "create web-0"], Describe(plan.Actions));
        var owner = Assert.Single(((StatefulSetAction.CreateClaim)plan.Actions[0]).Claim.Metadata.OwnerReferences);
        Assert.Equal((set.Metadata.Uid, true, true), (owner.Uid, owner.Controller, owner.BlockOwnerDeletion));
    }

    [Fact]
    public void WhenDeletedDelete_ExistingUnownedClaimsOfRunningPodsGainTheSet()
    {
        var set = Set(2, "Delete", "Retain");
        var plan = StatefulSetPlanner.Plan(set, [SetPod(set, 0), SetPod(set, 1)], Claims("data-web-0", "data-web-1"));

        Assert.Equal(["own data-web-0 by [StatefulSet/web]", "own data-web-1 by [StatefulSet/web]"], Describe(plan.Actions));
        Assert.All(plan.Actions.Cast<StatefulSetAction.SetClaimOwners>(), a => Assert.Equal("7", a.ResourceVersion));
    }

    [Fact]
    public void WhenDeletedDelete_ClaimsAlreadyOwned_NoWrite()
    {
        var set = Set(1, "Delete", "Retain");

        Assert.Empty(StatefulSetPlanner.Plan(set, [SetPod(set, 0)], ClaimsOwnedBy([SetOwner(set)], "data-web-0")).Actions);
    }

    [Fact]
    public void BackToRetain_TheSetsReferenceIsRemoved_AUsersReferenceKept()
    {
        var set = Set(1, "Retain", "Retain");
        var users = new V1OwnerReference { ApiVersion = "v1", Kind = "ConfigMap", Name = "keeper", Uid = "cm-uid" };
        var plan = StatefulSetPlanner.Plan(set, [SetPod(set, 0)], ClaimsOwnedBy([SetOwner(set), users], "data-web-0"));

        Assert.Equal(["own data-web-0 by [ConfigMap/keeper]"], Describe(plan.Actions));
    }

    [Fact]
    public void WhenScaledDelete_CondemnedPodsClaimIsHandedToThePodBeforeThePodIsDeleted()
    {
        var set = Set(1, "Delete", "Delete");
        var plan = StatefulSetPlanner.Plan(set, [SetPod(set, 0), SetPod(set, 1)], ClaimsOwnedBy([SetOwner(set)], "data-web-0", "data-web-1"));

        Assert.Equal(["own data-web-1 by [Pod/web-1]", "delete web-1"], Describe(plan.Actions));
        var podOwner = Assert.Single(((StatefulSetAction.SetClaimOwners)plan.Actions[0]).OwnerReferences);
        Assert.Equal(("pod-1", null), (podOwner.Uid, podOwner.Controller));
    }

    [Fact]
    public void WhenScaledRetain_CondemnedPodsClaimKeepsOnlyTheSet()
    {
        var set = Set(1, "Delete", "Retain");
        var plan = StatefulSetPlanner.Plan(set, [SetPod(set, 0), SetPod(set, 1)], ClaimsOwnedBy([SetOwner(set)], "data-web-0", "data-web-1"));

        Assert.Equal(["delete web-1"], Describe(plan.Actions));
    }

    [Fact]
    public void WhenScaledDeleteOnly_ClaimsInRangeHaveNoOwner_CondemnedOneIsThePods()
    {
        var set = Set(1, "Retain", "Delete");
        var plan = StatefulSetPlanner.Plan(set, [SetPod(set, 0), SetPod(set, 1)], Claims("data-web-0", "data-web-1"));

        Assert.Equal(["own data-web-1 by [Pod/web-1]", "delete web-1"], Describe(plan.Actions));
    }

    [Fact]
    public void ScaledBackUpBeforeThePodWent_ThePodsReferenceIsReplacedByTheSets()
    {
        var set = Set(2, "Delete", "Delete");
        var podOwner = new V1OwnerReference { ApiVersion = "v1", Kind = "Pod", Name = "web-1", Uid = "pod-1" };
        var claims = Claims("data-web-1");
        claims["data-web-0"] = ClaimsOwnedBy([SetOwner(set)], "data-web-0")["data-web-0"];
        claims["data-web-1"].Metadata.OwnerReferences = [podOwner];

        var plan = StatefulSetPlanner.Plan(set, [SetPod(set, 0), SetPod(set, 1)], claims);

        Assert.Equal(["own data-web-1 by [StatefulSet/web]"], Describe(plan.Actions));
    }

    [Fact]
    public void TerminatingClaim_IsLeftAlone()
    {
        var set = Set(1, "Delete", "Retain");
        var claims = Claims("data-web-0");
        claims["data-web-0"].Metadata.DeletionTimestamp = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

        Assert.Empty(StatefulSetPlanner.Plan(set, [SetPod(set, 0)], claims).Actions);
    }

    private static Dictionary<string, V1PersistentVolumeClaim> NoClaims() => [];
}
