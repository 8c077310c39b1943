using Fjord.Protocol.Errors;
using static Fjord.Storage.Tests.TransactionTests;

namespace Fjord.Storage.Tests;

/// <summary>KIP-890 part 1: the guard that closes the window between a leader's verification and its append.</summary>
public class VerificationGuardTests
{
    [Fact]
    public void Append_NoMarkerSinceVerification_OpensTransaction()
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, LogConfig.Default);
        var guard = log.BeginTransactionVerification(7, 0, transactionVersion: 0);

        Ok(log.Append(Txn(7, 0, 0), 0, guard));

        Assert.True(log.HasOngoingTransaction(7, 0));
        Assert.Equal(0, log.LastStableOffset);
    }

    [Fact]
    public void Append_MarkerBetweenVerificationAndAppend_RefusedWithInvalidTxnState()
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, LogConfig.Default);
        Ok(log.Append(Txn(7, 0, 0), 0));
        var guard = log.BeginTransactionVerification(7, 0, transactionVersion: 0);
        // The coordinator aborts (the client's abort at its own epoch) while the verified batch is on its way to the log.
        Ok(log.AppendTransactionMarker(7, 0, 0, commit: false, 0));

        var result = log.Append(Txn(7, 0, 2), 0, guard);

        Assert.Equal(ErrorCode.InvalidTxnState, result.Error);
        Assert.False(log.HasOngoingTransaction(7, 0));
        Assert.Equal(3, log.LogEndOffset);
        Assert.Equal(3, log.LastStableOffset);
    }

    [Fact]
    public void Append_TimeoutAbortWithBumpedEpochBetweenVerificationAndAppend_RefusedAsFenced()
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, LogConfig.Default);
        var guard = log.BeginTransactionVerification(7, 3, transactionVersion: 2);
        // A timed-out transaction is aborted with the epoch fenced one up: the guard is retired, and the epoch fence
        // answers first (Kafka checks the epoch before the verification too).
        Ok(log.AppendTransactionMarker(7, 4, 0, commit: false, 0, transactionVersion: 2));

        Assert.Equal(ErrorCode.InvalidProducerEpoch, log.Append(Txn(7, 3, 0), 0, guard).Error);
        Assert.Equal(ErrorCode.InvalidTxnState, log.Append(Txn(7, 4, 0), 0, guard).Error);
        Assert.Equal(0, log.OngoingTransactionCount);
    }

    [Fact]
    public void Append_TransactionVersion2_MarkerOfPreviousTransactionAtSameEpoch_KeepsGuard()
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, LogConfig.Default);
        Ok(log.Append(Txn(7, 0, 0), 0));
        // TV2: EndTxn bumped the epoch to 1 and answered; the client's next transaction starts at epoch 1 while the
        // previous transaction's marker (written at epoch 1) is still on its way. That marker precedes the coordinator's add.
        var guard = log.BeginTransactionVerification(7, 1, transactionVersion: 2);
        Ok(log.AppendTransactionMarker(7, 1, 0, commit: true, 0, transactionVersion: 2));

        Ok(log.Append(Txn(7, 1, 0), 0, guard));

        Assert.True(log.HasOngoingTransaction(7, 1));
        Assert.Equal(3, log.LastStableOffset);
    }

    [Fact]
    public void Append_UnverifiedGuard_CannotOpenTransactionButContinuesOpenOne()
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, LogConfig.Default);

        Assert.Equal(ErrorCode.InvalidTxnState, log.Append(Txn(7, 0, 0), 0, VerificationGuard.Unverified).Error);

        Ok(log.Append(Txn(7, 0, 0), 0, log.BeginTransactionVerification(7, 0, transactionVersion: 0)));
        Ok(log.Append(Txn(7, 0, 2), 0, VerificationGuard.Unverified));
        Ok(log.Append(Idempotent(8, 0, 0), 0, VerificationGuard.Unverified));
    }

    [Fact]
    public void Append_GuardUsedOnceTransactionStarted_NextTransactionNeedsNewVerification()
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, LogConfig.Default);
        var guard = log.BeginTransactionVerification(7, 0, transactionVersion: 0);
        Ok(log.Append(Txn(7, 0, 0), 0, guard));
        Ok(log.AppendTransactionMarker(7, 0, 0, commit: true, 0));

        Assert.Equal(ErrorCode.InvalidTxnState, log.Append(Txn(7, 0, 2), 0, guard).Error);
        Ok(log.Append(Txn(7, 0, 2), 0, log.BeginTransactionVerification(7, 0, transactionVersion: 0)));
    }

    [Fact]
    public void BeginTransactionVerification_ConcurrentSameEpoch_SharesGuard_OlderEpochUnverified()
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, LogConfig.Default);
        var first = log.BeginTransactionVerification(7, 2, transactionVersion: 0);

        Assert.Same(first, log.BeginTransactionVerification(7, 2, transactionVersion: 0));
        Assert.Same(VerificationGuard.Unverified, log.BeginTransactionVerification(7, 1, transactionVersion: 0));
        Assert.NotSame(first, log.BeginTransactionVerification(7, 3, transactionVersion: 0));
        Assert.Equal(ErrorCode.InvalidTxnState, log.Append(Txn(7, 2, 0), 0, first).Error);
    }

    [Fact]
    public void RemoveExpired_GuardWhoseAppendNeverCame_ExpiresLikeAProducerId()
    {
        var state = new ProducerStateManager();
        var guard = state.BeginVerification(7, 0, transactionVersion: 0, nowMs: 1_000);

        state.RemoveExpired(nowMs: 60_999, expirationMs: 60_000);
        Assert.Same(guard, state.CurrentVerificationGuard(7));

        state.RemoveExpired(nowMs: 61_000, expirationMs: 60_000);
        Assert.Null(state.CurrentVerificationGuard(7));
    }
}
