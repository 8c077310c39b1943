using Fjord.Chaos.Nemesis;

namespace Fjord.Chaos.Tests;

public sealed class NemesisScheduleTests
{
    private static readonly FaultKind[] s_allKinds = [FaultKind.Kill, FaultKind.Pause, FaultKind.Partition];
    private static readonly TimeSpan s_sessionTimeout = TimeSpan.FromSeconds(4);

    [Fact]
    public void Create_SameSeed_GivesTheSameSchedule()
    {
        var first = NemesisSchedule.Create(42, 3, s_allKinds, s_sessionTimeout).Take(50).ToList();
        var second = NemesisSchedule.Create(42, 3, s_allKinds, s_sessionTimeout).Take(50).ToList();

        Assert.Equal(first, second);
        Assert.NotEqual(first, NemesisSchedule.Create(43, 3, s_allKinds, s_sessionTimeout).Take(50).ToList());
    }

    [Fact]
    public void Create_PausesAndPartitions_OutlastTheSessionTimeout_AndKillsAreShort()
    {
        var faults = NemesisSchedule.Create(7, 5, s_allKinds, s_sessionTimeout).Take(500).ToList();

        Assert.All(faults.Where(f => f.Kind != FaultKind.Kill), f => Assert.True(f.Duration > s_sessionTimeout, f.ToString()));
        Assert.All(faults.Where(f => f.Kind == FaultKind.Kill), f => Assert.InRange(f.Duration, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5)));
        Assert.All(faults, f => Assert.InRange(f.HealBefore, TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(15)));
        Assert.All(faults, f => Assert.InRange(f.Node, 0, 4));
        Assert.Equal(Enumerable.Range(1, 500), faults.Select(f => f.Number));
    }

    [Fact]
    public void Create_DrawsOnlyTheGivenKinds_AndSometimesTargetsTheController()
    {
        var faults = NemesisSchedule.Create(3, 3, [FaultKind.Kill, FaultKind.Pause], s_sessionTimeout).Take(300).ToList();

        Assert.DoesNotContain(faults, f => f.Kind == FaultKind.Partition);
        Assert.Contains(faults, f => f.Kind == FaultKind.Kill);
        Assert.Contains(faults, f => f.Kind == FaultKind.Pause);
        Assert.InRange(faults.Count(f => f.TargetsController), 60, 140);
    }

    [Fact]
    public void Create_NoKinds_Throws() =>
        Assert.Throws<ArgumentException>(() => NemesisSchedule.Create(1, 3, [], s_sessionTimeout).First());

    [Fact]
    public void PartitionFirst_TurnsOnlyTheFirstFaultIntoAFullPartitionOutlastingTheSession()
    {
        var plain = NemesisSchedule.Create(3, 3, s_allKinds, s_sessionTimeout).Take(20).ToList();
        var forced = NemesisSchedule.PartitionFirst(NemesisSchedule.Create(3, 3, s_allKinds, s_sessionTimeout), s_sessionTimeout).Take(20).ToList();

        Assert.Equal(FaultKind.Partition, forced[0].Kind);
        Assert.True(forced[0].Duration > s_sessionTimeout, forced[0].ToString());
        Assert.Equal((plain[0].Number, plain[0].HealBefore, plain[0].Node), (forced[0].Number, forced[0].HealBefore, forced[0].Node));
        Assert.Equal(plain.Skip(1), forced.Skip(1));
    }
}
