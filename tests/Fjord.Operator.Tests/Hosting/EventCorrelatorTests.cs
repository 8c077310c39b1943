using Fjord.Operator.Hosting;

namespace Fjord.Operator.Tests.Hosting;

public class EventCorrelatorTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private static EventKey Key(string name = "orders", string reason = "DriftCorrected", string message = "put back: retention.ms") =>
        new("default", "FjordTopic", name, "uid-1", "Warning", reason, message);

    [Fact]
    public void Observe_SameEventAgainWithinTheWindow_BumpsTheCountOfTheFirstOne()
    {
        var correlator = new EventCorrelator();

        var first = correlator.Observe(Key(), Start);
        var second = correlator.Observe(Key(), Start.AddMinutes(1));
        var third = correlator.Observe(Key(), Start.AddMinutes(2));

        Assert.True(first.IsNew);
        Assert.Equal((first.Name, 2, Start, false), (second.Name, second.Count, second.FirstTimestamp, second.IsNew));
        Assert.Equal((first.Name, 3), (third.Name, third.Count));
    }

    [Fact]
    public void Observe_AnotherReasonMessageOrObject_IsANewEvent()
    {
        var correlator = new EventCorrelator();
        var first = correlator.Observe(Key(), Start);

        var others = new[] { Key(reason: "ReplicationFactorChanging"), Key(message: "put back: cleanup.policy"), Key(name: "payments") }
            .Select(k => correlator.Observe(k, Start)).ToList();

        Assert.All(others, o => Assert.True(o.IsNew));
        Assert.Equal(4, others.Select(o => o.Name).Append(first.Name).Distinct().Count());
    }

    [Fact]
    public void Observe_RepeatAfterTheWindowSinceItWasLastSeen_StartsANewEvent()
    {
        var correlator = new EventCorrelator();
        var first = correlator.Observe(Key(), Start);
        // Seen again within the window each time: still one Event, though the first occurrence is long past.
        var kept = correlator.Observe(Key(), Start + EventCorrelator.Window);
        var stillKept = correlator.Observe(Key(), Start + 2 * EventCorrelator.Window);

        var later = correlator.Observe(Key(), Start + 3 * EventCorrelator.Window + TimeSpan.FromSeconds(1));

        Assert.Equal((first.Name, first.Name, 3), (kept.Name, stillKept.Name, stillKept.Count));
        Assert.True(later.IsNew);
        Assert.NotEqual(first.Name, later.Name);
        Assert.Equal(1, later.Count);
    }

    [Fact]
    public void Forget_AfterTheEventWasDropped_NextOccurrenceIsNew()
    {
        var correlator = new EventCorrelator();
        var first = correlator.Observe(Key(), Start);

        correlator.Forget(Key());
        var again = correlator.Observe(Key(), Start);

        Assert.True(again.IsNew);
        Assert.NotEqual(first.Name, again.Name);
    }

    [Fact]
    public void Observe_BeyondCapacity_ForgetsTheLongestUnseenFirst()
    {
        var correlator = new EventCorrelator();
        var oldest = correlator.Observe(Key(name: "oldest"), Start);
        for (var i = 0; i < EventCorrelator.Capacity - 1; i++)
        {
            correlator.Observe(Key(name: $"t{i}"), Start.AddSeconds(1));
        }
        var recent = correlator.Observe(Key(name: "t0"), Start.AddSeconds(2));

        correlator.Observe(Key(name: "newcomer"), Start.AddSeconds(3));

        Assert.True(correlator.Observe(Key(name: "oldest"), Start.AddSeconds(4)).IsNew);
        Assert.False(correlator.Observe(Key(name: "t0"), Start.AddSeconds(4)).IsNew);
        Assert.True(oldest.IsNew && !recent.IsNew);
    }

    [Fact]
    public void Observe_NamesAreValidDnsSubdomainsUniquePerEvent()
    {
        var correlator = new EventCorrelator();

        var names = Enumerable.Range(0, 100).Select(i => correlator.Observe(Key(message: $"m{i}"), Start).Name).ToList();

        Assert.Equal(100, names.Distinct().Count());
        Assert.All(names, n => Assert.Matches("^orders\\.[0-9a-f]+$", n));
    }
}
