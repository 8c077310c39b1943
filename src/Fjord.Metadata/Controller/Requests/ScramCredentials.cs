namespace Fjord.Metadata;

/// <summary>One AlterUserScramCredentials change to a user's credential for a mechanism (Kafka's id).</summary>
public abstract record ScramCredentialAlteration(string User, sbyte Mechanism);

/// <summary>Removes the user's credential for the mechanism.</summary>
public sealed record ScramCredentialDeletion(string User, sbyte Mechanism) : ScramCredentialAlteration(User, Mechanism);

/// <summary>Sets the credential from the password as the client salted it (KIP-554), never the password itself.</summary>
public sealed record ScramCredentialUpsertion(string User, sbyte Mechanism, int Iterations, byte[] Salt, byte[] SaltedPassword)
    : ScramCredentialAlteration(User, Mechanism);

/// <summary>The outcome of AlterUserScramCredentials for one user: all of the user's alterations apply, or none.</summary>
public sealed record ScramAlterationResult(string User, Protocol.Errors.ErrorCode Error, string? Message);
