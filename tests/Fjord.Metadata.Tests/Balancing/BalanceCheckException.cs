namespace Fjord.Metadata.Tests.Balancing;

/// <summary>One seed's invariant failure, collected so a test reports every failing seed at once.</summary>
internal sealed class BalanceCheckException(string message) : Exception(message);
