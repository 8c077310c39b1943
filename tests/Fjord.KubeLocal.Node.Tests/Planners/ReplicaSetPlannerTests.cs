using Fjord.KubeLocal.Node.Deployments;
using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using static Fjord.KubeLocal.Node.Tests.Planners.Objects;

namespace Fjord.KubeLocal.Node.Tests.Planners;

public class ReplicaSetPlannerTests
{
    private static readonly DateTime Now = new(2026, 12, 7, 3, 0, 0, DateTimeKind.Utc);
    private static readonly Dictionary<string, string> Labels = new() { ["app"] = "api", [DeploymentPlanner.HashLabel] = "h" };

    private static V1ReplicaSet Set(int replicas, int minReadySeconds = 0) => new()
    {
        Metadata = new V1ObjectMeta { Name = "api-h", NamespaceProperty = "ns", Uid = "rs-uid", Generation = 3 },
        Spec = new V1ReplicaSetSpec
        {
            Replicas = replicas,
            MinReadySeconds = minReadySeconds,
            Selector = new V1LabelSelector { MatchLabels = Labels },
            Template = new V1PodTemplateSpec { Metadata = new V1ObjectMeta { Labels = Labels }, Spec = Template("api").Spec },
        },
    };

    [Fact]
    public void MissingReplicas_AreCreatedFromTheTemplateWithDistinctNames()
    {
        var plan = ReplicaSetPlanner.Plan(Set(3), [Pod("api-h-aaaaa", Labels, ready: true, "rs-uid")], manageReplicas: true, Now, new Random(7));

        Assert.Equal(2, plan.Create.Count);
        Assert.Equal(2, plan.Create.Select(p => p.Metadata.Name).Distinct().Count());
        Assert.All(plan.Create, p =>
        {
            Assert.Matches("^api-h-[bcdfghjklmnpqrstvwxz2456789]{5}$", p.Metadata.Name);
            Assert.Equal("h", p.Metadata.Labels[DeploymentPlanner.HashLabel]);
            Assert.Equal("rs-uid", Assert.Single(p.Metadata.OwnerReferences).Uid);
        });
        Assert.Empty(plan.Delete);
    }

    [Fact]
    public void SurplusReplicas_DeleteNotReadyThenUnscheduledThenNewestFirst()
    {
        var pods = new List<V1Pod>
        {
            Pod("ready-old", Labels, ready: true, "rs-uid", Now.AddMinutes(-10)),
            Pod("ready-new", Labels, ready: true, "rs-uid", Now.AddMinutes(-1)),
            Pod("not-ready", Labels, ready: false, "rs-uid", Now.AddMinutes(-20)),
            Pod("unscheduled", Labels, ready: false, "rs-uid", Now.AddMinutes(-30), scheduled: false),
        };

        var plan = ReplicaSetPlanner.Plan(Set(1), pods, manageReplicas: true, Now, new Random(1));

        Assert.Equal(["unscheduled", "not-ready", "ready-new"], plan.Delete);
    }

    [Fact]
    public void UnsatisfiedExpectations_OnlyComputeStatus()
    {
        var plan = ReplicaSetPlanner.Plan(Set(3), [], manageReplicas: false, Now, new Random(1));

        Assert.Empty(plan.Create);
        Assert.Equal(0, plan.Status.Replicas);
    }

    [Fact]
    public void Status_CountsActiveReadyAndAvailableAfterMinReadySeconds()
    {
        var ready = Pod("a", Labels, ready: true, "rs-uid");
        ready.Status = Status("Running", true, Now.AddSeconds(-5));
        var longReady = Pod("b", Labels, ready: true, "rs-uid");
        longReady.Status = Status("Running", true, Now.AddSeconds(-60));
        var finished = Pod("c", Labels, ready: false, "rs-uid");
        finished.Status.Phase = "Succeeded";

        var status = ReplicaSetPlanner.Plan(Set(2, minReadySeconds: 30), [ready, longReady, finished], true, Now, new Random(1)).Status;

        Assert.Equal((2, 2, 2, 1, 3L), (status.Replicas, status.FullyLabeledReplicas!.Value, status.ReadyReplicas!.Value, status.AvailableReplicas!.Value, status.ObservedGeneration!.Value));
    }

    [Fact]
    public void Expectations_HoldScalingUntilCreatedPodsAreSeenOrTimeout()
    {
        var time = new FakeTimeProvider(Now);
        var expectations = new CreationExpectations(time, TimeSpan.FromSeconds(30));
        expectations.ExpectCreated("ns/api-h", ["p1", "p2"]);

        Assert.False(expectations.Satisfied("ns/api-h", new HashSet<string> { "p1" }));
        Assert.True(expectations.Satisfied("ns/api-h", new HashSet<string> { "p1", "p2" }));
        Assert.True(expectations.Satisfied("ns/other", new HashSet<string>()));

        expectations.ExpectDeleted("ns/api-h", ["p1"]);
        Assert.False(expectations.Satisfied("ns/api-h", new HashSet<string> { "p1", "p2" }));
        time.Advance(TimeSpan.FromSeconds(31));
        Assert.True(expectations.Satisfied("ns/api-h", new HashSet<string> { "p1", "p2" }));
    }
}
