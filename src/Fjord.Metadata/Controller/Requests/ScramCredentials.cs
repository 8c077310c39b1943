namespace Fjord.Metadata;

/// <summary>One AlterUserScramCredentials deletion: the user's credential for a mechanism (Kafka's id).</summary>
public sealed record ScramCredentialDeletion(string User, sbyte Mechanism);

/// <summary>One AlterUserScramCredentials upsertion: the password as the client salted it (KIP-554), never the password itself.</summary>
public sealed record ScramCredentialUpsertion(string User, sbyte Mechanism, int Iterations, byte[] Salt, byte[] SaltedPassword);

/// <summary>The outcome of AlterUserScramCredentials for one user: all of the user's alterations apply, or none.</summary>
public sealed record ScramAlterationResult(string User, Protocol.Errors.ErrorCode Error, string? Message);
