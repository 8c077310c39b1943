using Fjord.Operator.Reconciling;

namespace Fjord.Operator.Tests.Reconciling;

public class BalanceProgressTests
{
    private static readonly DateTimeOffset s_now = new(2026, 12, 7, 3, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset s_operationStart = s_now.AddMinutes(-5);

    private static ObservedBalance Balance(ObservedBalanceState state, DateTimeOffset? started, DateTimeOffset? finished = null) =>
        new(state, started, finished, 10, 4, 2048, "two partitions refused");

    [Fact]
    public void Next_BalanceNotDescribed_Waits() =>
        Assert.Equal(BalanceStepKind.Wait, BalanceProgress.Next(null, s_operationStart, s_now).Kind);

    [Fact]
    public void Next_NothingKnownOnTheController_Executes() =>
        Assert.Equal(BalanceStepKind.Execute, BalanceProgress.Next(Balance(ObservedBalanceState.None, null), s_operationStart, s_now).Kind);

    [Fact]
    public void Next_OwnBalanceRunning_ReportsItsProgress()
    {
        var step = BalanceProgress.Next(Balance(ObservedBalanceState.Running, s_now.AddMinutes(-1)), s_operationStart, s_now);

        Assert.Equal((BalanceStepKind.Running, 4, 10), (step.Kind, step.Done, step.Total));
        Assert.Contains("2048 bytes left", step.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Next_BalanceStartedBeforeTheOperationRunning_WaitsForIt() =>
        Assert.Equal(BalanceStepKind.Wait,
            BalanceProgress.Next(Balance(ObservedBalanceState.Running, s_operationStart.AddMinutes(-1)), s_operationStart, s_now).Kind);

    [Fact]
    public void Next_ReassignmentsAfterControllerFailover_WaitUntilNone() =>
        Assert.Equal(BalanceStepKind.Wait, BalanceProgress.Next(Balance(ObservedBalanceState.Unknown, null), s_operationStart, s_now).Kind);

    [Fact]
    public void Next_OwnBalanceCompleted_IsCompleted() =>
        Assert.Equal(BalanceStepKind.Completed,
            BalanceProgress.Next(Balance(ObservedBalanceState.Completed, s_now.AddMinutes(-1), s_now), s_operationStart, s_now).Kind);

    [Fact]
    public void Next_EarlierBalanceCompleted_ExecutesAnotherForThisOperation() =>
        Assert.Equal(BalanceStepKind.Execute,
            BalanceProgress.Next(Balance(ObservedBalanceState.Completed, s_operationStart.AddHours(-1), s_operationStart.AddHours(-1)), s_operationStart, s_now).Kind);

    [Fact]
    public void Next_OwnBalanceJustFailed_ReportsTheFailure()
    {
        var step = BalanceProgress.Next(Balance(ObservedBalanceState.Failed, s_now.AddMinutes(-1), s_now.AddSeconds(-10)), s_operationStart, s_now);

        Assert.Equal(BalanceStepKind.Failed, step.Kind);
        Assert.Contains("two partitions refused", step.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Next_OwnBalanceFailedLongerAgoThanTheRetryDelay_ExecutesAgain()
    {
        var finished = s_now - BalanceProgress.RetryAfter - TimeSpan.FromSeconds(1);

        Assert.Equal(BalanceStepKind.Execute,
            BalanceProgress.Next(Balance(ObservedBalanceState.Failed, finished.AddMinutes(-1), finished), s_operationStart, s_now).Kind);
    }
}
