namespace Fjord.Storage.Transactions;

/// <summary>
/// One producer with state on a partition, as DescribeProducers (KIP-664) reports it: last sequence -1 when
/// no idempotent batch is remembered, last timestamp -1 when unknown, coordinator epoch -1 before any
/// marker, <see cref="CurrentTxnStartOffset"/> -1 when no transaction is open. Immutable.
/// </summary>
public sealed record ActiveProducer(
    long ProducerId, short ProducerEpoch, int LastSequence, long LastTimestamp, int CoordinatorEpoch, long CurrentTxnStartOffset);
