namespace Fjord.Broker.Handlers;

/// <summary>
/// The <c>authorized_operations</c> value for "not requested" (KIP-430); the bits themselves come from
/// <see cref="Security.BrokerAuthorizer.AuthorizedOperations"/>.
/// </summary>
public static class AuthorizedOperations
{
    /// <summary>Kafka's "not requested" marker.</summary>
    public const int NotRequested = int.MinValue;
}
