namespace Fjord.Chaos.Tests;

public sealed class ChaosOptionsTests
{
    [Fact]
    public void Parse_ReadsEveryOption()
    {
        var options = ChaosOptions.Parse(["--duration", "600", "--nodes", "5", "--seed", "17", "--producers", "2", "--rate", "30", "--no-partitions", "--keep-data"]);

        Assert.Equal(TimeSpan.FromSeconds(600), options.Duration);
        Assert.Equal((5, 17, 2, 30), (options.Nodes, options.Seed, options.Producers, options.RecordsPerSecondPerProducer));
        Assert.True(options.NoPartitions);
        Assert.True(options.KeepData);
        Assert.False(options.ConcurrentFaults);
        Assert.False(options.RequirePartition);
        Assert.True(ChaosOptions.Parse(["--require-partition"]).RequirePartition);
        Assert.Equal(ChaosWorkload.Idempotent, options.Workload);
        Assert.Equal(ChaosWorkload.Transactions, ChaosOptions.Parse(["--workload", "transactions"]).Workload);
    }

    [Theory]
    [InlineData("--nodes", "2")]
    [InlineData("--duration", "soon")]
    [InlineData("--bogus", "1")]
    [InlineData("--seed")]
    [InlineData("--require-partition", "--no-partitions")]
    [InlineData("--workload", "exactly-once")]
    public void Parse_BadInput_Throws(params string[] args) =>
        Assert.Throws<ArgumentException>(() => ChaosOptions.Parse(args));
}
